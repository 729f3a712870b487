"""Prompt uploads converted to what Asterisk plays (8 kHz mono 16-bit WAV), and the prompts
a configuration names."""

from __future__ import annotations

import io
import math
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from controller import prompts
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE


def tone(rate: int, channels: int, width: int, seconds: float) -> bytes:
    frames = bytearray()
    for n in range(int(rate * seconds)):
        value = int(8000 * math.sin(2 * math.pi * 440 * n / rate))
        # 8-bit WAV is unsigned.
        sample = struct.pack("<h", value) if width == 2 else bytes([128 + value // 256])
        frames += sample * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(channels)
        target.setsampwidth(width)
        target.setframerate(rate)
        target.writeframes(bytes(frames))
    return out.getvalue()


@pytest.mark.parametrize(("rate", "channels", "width"), [(44100, 2, 2), (16000, 1, 2),
                                                          (8000, 1, 1), (22050, 2, 1)])  # fmt: skip
def test_a_wav_becomes_8_khz_mono_16_bit_of_the_same_length(
    rate: int, channels: int, width: int, tmp_path: Path
) -> None:
    converted = prompts.convert("welcome.wav", tone(rate, channels, width, 1.5))
    with wave.open(io.BytesIO(converted), "rb") as found:
        assert (found.getframerate(), found.getnchannels(), found.getsampwidth()) == (8000, 1, 2)
        assert found.getnframes() == pytest.approx(12000, abs=20)
        loud = max(abs(s) for (s,) in struct.iter_unpack("<h", found.readframes(4000)))
    assert 6000 < loud < 9000  # the tone survived, not clipped, not silence
    path = prompts.store(tmp_path, "custom/welcome-zh", converted)
    assert path == tmp_path / "custom" / "welcome-zh.wav"
    assert prompts.duration(path) == pytest.approx(1.5, abs=0.01)
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_what_cannot_become_a_prompt_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(prompts.PromptError, match="not a recording"):
        prompts.convert("notes.txt", b"hello")
    with pytest.raises(prompts.PromptError, match="empty"):
        prompts.convert("a.wav", b"")
    with pytest.raises(prompts.PromptError, match="not a WAV"):
        prompts.convert("a.wav", b"RIFF\x00\x00\x00\x00WAVEjunk")
    monkeypatch.setattr(prompts.shutil, "which", lambda _name: None)
    with pytest.raises(prompts.PromptError, match="needs ffmpeg: apt-get install ffmpeg"):
        prompts.convert("menu.mp3", b"ID3\x03\x00" + b"\x00" * 100)


def test_only_prompt_names_are_paths() -> None:
    for bad in ("../etc/passwd", "custom/../../x", "/abs", "custom//x", "x/"):
        with pytest.raises(prompts.PromptError):
            prompts.prompt_path(Path("/sounds"), bad)


def test_the_prompts_a_configuration_names() -> None:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml").config
    uses = {(u.name, u.used_by) for u in prompts.prompt_uses(config)}
    assert ("custom/main-menu-zh", "IVR menu 'main' prompts[zh]") in uses
    assert ("custom/press-5-callback", "queue 'sales' periodic_announce") in uses
    assert any(u.startswith("recording policy") for _, u in uses)


@pytest.mark.parametrize(("kind", "codec"), [("mp3", "libmp3lame"), ("ogg", "libvorbis"),
                                             ("m4a", "aac")])  # fmt: skip
def test_mp3_ogg_and_m4a_are_converted_by_ffmpeg(kind: str, codec: str, tmp_path: Path) -> None:
    # Encoded by ffmpeg itself (installed by scripts/install.sh) from a 44.1 kHz stereo tone;
    # its mp4 muxer puts the index at the end, as phones and iTunes often do.
    source = tmp_path / "tone.wav"
    source.write_bytes(tone(44100, 2, 2, 1.5))
    encoded = tmp_path / f"menu.{kind}"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(source),
                    "-c:a", codec, str(encoded)], check=True)  # fmt: skip
    data = encoded.read_bytes()
    assert prompts.kind_of("upload", data) == kind  # told by its bytes, not by its name
    converted = prompts.convert("upload", data)
    with wave.open(io.BytesIO(converted), "rb") as found:
        assert (found.getframerate(), found.getnchannels(), found.getsampwidth()) == (8000, 1, 2)
        assert found.getnframes() == pytest.approx(12000, abs=800)  # codecs pad a little
        loud = max(abs(s) for (s,) in struct.iter_unpack("<h", found.readframes(4000)))
    assert 5000 < loud < 10000  # the tone survived the lossy codec


def test_a_broken_mp3_is_refused_with_ffmpegs_reason() -> None:
    with pytest.raises(prompts.PromptError, match="ffmpeg could not read the MP3"):
        prompts.convert("menu.mp3", b"ID3\x03\x00" + b"\x00" * 100)
