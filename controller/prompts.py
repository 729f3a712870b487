"""Prompts: the recordings the configuration names (IVR menus, queue announcements, recording
notices, surveys), where Asterisk finds them, and an upload converted to what it plays.

A prompt ``custom/main-menu-zh`` is the file ``<sounds_dir>/custom/main-menu-zh.wav``: 8 kHz,
mono, 16-bit PCM (Asterisk's ``wav`` format, played without transcoding). A WAV upload is
converted here (resampled and mixed down with the standard library); MP3, M4A and OGG need
``ffmpeg`` (Debian's, installed by ``scripts/install.sh``), and a refusal names the tool
when it is missing.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import warnings
import wave
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.db.models import IvrMenu, Queue, RecordingPolicy
from controller.errors import ControllerError
from controller.pbxconfig.schema import PbxConfig

RATE = 8000  # what Asterisk's wav format holds
MAX_UPLOAD = 20 * 1024 * 1024  # a 10-minute CD-quality WAV; prompts are seconds long
MAX_SECONDS = 600
_PROMPT = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9_./-]{0,190}(?<!/)")
FORMATS = ("wav", "mp3", "m4a", "ogg")


class PromptError(ControllerError):
    """An upload that cannot become a prompt; the message says why."""


@dataclass(frozen=True, slots=True)
class PromptUse:
    name: str  # custom/main-menu-zh
    language: str | None
    used_by: str  # "IVR menu 'main' prompts[zh]"
    section: str = ""  # the configuration's section: ivr_menus
    key: str = ""  # the object's key in it: main
    field: str = ""  # the field, as the YAML file names it: prompts.zh

    @property
    def problem(self) -> str:
        """What an apply refuses for this use when its prompt has no sound file."""
        return (
            f"{self.used_by}: prompt {self.name!r} has no sound file: upload it on the "
            "Prompts page (/admin/prompts), or name a prompt that exists"
        )


_KIND = {"ivr_menus": "IVR menu", "queues": "queue", "recording_policies": "recording policy"}


def _uses(
    menus: Iterable[tuple[str, Mapping[str, str], Mapping[str, str]]],
    queues: Iterable[tuple[str, str | None, Mapping[str, Any] | None]],
    policies: Iterable[tuple[str, Mapping[str, str]]],
) -> list[PromptUse]:
    found: list[PromptUse] = []

    def add(prompts: Mapping[str, str] | None, section: str, key: str, field: str) -> None:
        for language, name in (prompts or {}).items():
            used_by = f"{_KIND[section]} {key!r} {field}[{language}]"
            found.append(PromptUse(name, language, used_by, section, key, f"{field}.{language}"))

    for name, prompts, invalid in menus:
        add(prompts, "ivr_menus", name, "prompts")
        add(invalid, "ivr_menus", name, "invalid_prompts")
    for name, announce, survey in queues:
        if announce:
            used_by = f"queue {name!r} periodic_announce"
            found.append(PromptUse(announce, None, used_by, "queues", name, "periodic_announce"))
        if survey is not None:
            add(survey.get("prompts"), "queues", name, "survey.prompts")
            add(survey.get("thanks_prompts"), "queues", name, "survey.thanks_prompts")
    for name, notices in policies:
        add(notices, "recording_policies", name, "notice_prompts")
    return found


def prompt_uses(config: PbxConfig) -> list[PromptUse]:
    """Every prompt the configuration names, with what names it, in configuration order."""
    return _uses(
        ((m.name, dict(m.prompts), dict(m.invalid_prompts)) for m in config.ivr_menus),
        (
            (q.name, q.periodic_announce, None if q.survey is None else q.survey.model_dump())
            for q in config.queues
        ),
        ((p.name, dict(p.notice_prompts)) for p in config.recording_policies),
    )


def stored_prompt_uses(session: Session) -> list[PromptUse]:
    """:func:`prompt_uses` of the stored configuration, read from the three tables that name
    prompts (not an export of the whole configuration: an apply checks them every time)."""
    menus = session.execute(
        select(IvrMenu.name, IvrMenu.prompts, IvrMenu.invalid_prompts).order_by(IvrMenu.position)
    )
    queues = session.execute(
        select(Queue.name, Queue.periodic_announce, Queue.survey).order_by(Queue.position)
    )
    policies = session.execute(
        select(RecordingPolicy.name, RecordingPolicy.notice_prompts).order_by(
            RecordingPolicy.position
        )
    )
    return _uses(
        [tuple(r) for r in menus],  # type: ignore[misc]
        [tuple(r) for r in queues],  # type: ignore[misc]
        [tuple(r) for r in policies],  # type: ignore[misc]
    )


# The formats Asterisk's format modules read (a stock sound is .gsm on Debian).
SOUND_FORMATS = ("wav", "WAV", "gsm", "ulaw", "alaw", "sln", "sln16", "g722", "g729", "wav16")


def has_sound(sounds_dir: Path, name: str, language: str | None = None) -> bool:
    """Whether Asterisk finds a sound file for ``name``: the converted upload
    (``<name>.wav``), or a sound in any format Asterisk plays in the sounds directory, in the
    language's directory or in ``en`` (where Asterisk looks when a language has none)."""
    try:
        if prompt_path(sounds_dir, name).is_file():
            return True
    except PromptError:
        return False
    places = [sounds_dir, *(sounds_dir / x for x in dict.fromkeys([language or "en", "en"]))]
    return any((place / f"{name}.{ext}").is_file() for place in places for ext in SOUND_FORMATS)


def missing(sounds_dir: Path, uses: Iterable[PromptUse]) -> list[PromptUse]:
    """The uses whose prompt Asterisk has no sound file of."""
    return [u for u in uses if not has_sound(sounds_dir, u.name, u.language)]


def prompt_path(sounds_dir: Path, name: str) -> Path:
    """Where Asterisk finds ``name`` (refused unless it is a prompt name: no ``..``)."""
    if not _PROMPT.fullmatch(name):
        raise PromptError(f"{name!r} is not a prompt name")
    return sounds_dir / f"{name}.wav"


def duration(path: Path) -> float | None:
    """The length of a stored prompt in seconds; None when there is none (or unreadable)."""
    try:
        with wave.open(str(path), "rb") as found:
            return found.getnframes() / float(found.getframerate())
    except (OSError, EOFError, wave.Error):
        return None


def _from_wav(data: bytes) -> bytes:
    try:
        with wave.open(io.BytesIO(data), "rb") as source:
            channels, width, rate = (
                source.getnchannels(),
                source.getsampwidth(),
                source.getframerate(),
            )
            if source.getcomptype() != "NONE":
                raise PromptError("a compressed WAV: save it as PCM, or upload MP3/OGG")
            if source.getnframes() > MAX_SECONDS * rate:
                raise PromptError(f"longer than {MAX_SECONDS // 60} minutes")
            frames = source.readframes(source.getnframes())
    except (EOFError, wave.Error) as exc:
        raise PromptError(f"not a WAV file Python can read ({exc})") from None
    with warnings.catch_warnings():  # audioop is deprecated (PEP 594), still in 3.11/3.12
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop as pcm

    if width == 1:  # 8-bit WAV is unsigned; audioop's samples are signed
        frames = pcm.bias(frames, 1, -128)
    if width != 2:
        frames = pcm.lin2lin(frames, width, 2)
    if channels == 2:
        frames = pcm.tomono(frames, 2, 0.5, 0.5)
    elif channels != 1:
        raise PromptError(f"{channels} channels: upload mono or stereo")
    if rate != RATE:
        frames, _state = pcm.ratecv(frames, 2, 1, rate, RATE, None)
    return _wav(frames)


def _wav(frames: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(RATE)
        target.writeframes(frames)
    return out.getvalue()


def _with_ffmpeg(data: bytes, kind: str) -> bytes:
    tool = shutil.which("ffmpeg")
    if tool is None:
        raise PromptError(
            f"converting {kind} needs ffmpeg: apt-get install ffmpeg (or upload a WAV)"
        )
    try:
        # A fixed tool, no shell, the data on stdin.
        done = subprocess.run(
            [tool, "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-t", str(MAX_SECONDS),
             "-ac", "1", "-ar", str(RATE), "-sample_fmt", "s16", "-f", "wav", "pipe:1"],
            input=data, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise PromptError("ffmpeg took longer than 2 minutes") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PromptError(f"ffmpeg could not read the {kind}: {reason[-1] if reason else '?'}")
    # ffmpeg writes a WAV header without sizes to a pipe: read its frames again.
    return _from_wav(_fix_streamed_wav(done.stdout))


def _fix_streamed_wav(data: bytes) -> bytes:
    marker = data.find(b"data")
    if data[:4] != b"RIFF" or marker < 0:
        return data
    body = data[marker + 8 :]
    fixed = bytearray(data[: marker + 8] + body)
    fixed[4:8] = (len(fixed) - 8).to_bytes(4, "little")
    fixed[marker + 4 : marker + 8] = len(body).to_bytes(4, "little")
    return bytes(fixed)


def kind_of(filename: str, data: bytes) -> str:
    """The upload's format from its first bytes, else its file name's extension."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3"
    if data[4:8] == b"ftyp":
        return "m4a"
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise PromptError(f"not a recording this page takes ({', '.join(FORMATS)})")


def convert(filename: str, data: bytes) -> bytes:
    """The upload as Asterisk's wav (8 kHz mono 16-bit); PromptError saying why not."""
    if not data:
        raise PromptError("the file is empty")
    kind = kind_of(filename, data)
    converted = _from_wav(data) if kind == "wav" else _with_ffmpeg(data, kind.upper())
    if len(converted) <= 44:
        raise PromptError("the recording has no sound in it")
    return converted


def store(sounds_dir: Path, name: str, wav: bytes) -> Path:
    """Write the converted prompt atomically (Asterisk never plays half a file)."""
    target = prompt_path(sounds_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(wav)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).chmod(0o644)  # Asterisk reads it
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
