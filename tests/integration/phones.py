"""A real SIP phone for tests: baresip (Debian's baresip-core), registered to the sandbox."""

from __future__ import annotations

import math
import struct
import subprocess
import time
import wave
from pathlib import Path
from types import TracebackType

BARESIP = "/usr/bin/baresip"
MODULES = Path("/usr/lib/baresip/modules")


def write_tone(path: Path, seconds: float = 4.0, rate: int = 8000) -> Path:
    """A 440 Hz tone the phone sends as its microphone, so recordings have audio."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


class Baresip:
    """One baresip process with one account that answers every call by itself."""

    def __init__(self, home: Path, user: str, password: str, server_port: int, listen_port: int):
        self.home = home
        self.user = user
        home.mkdir(parents=True, exist_ok=True)
        tone = write_tone(home / "tone.wav")
        (home / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{listen_port}",
                    f"audio_source aufile,{tone}",
                    f"audio_player aufile,{home / 'heard.wav'}",
                    f"audio_alert aufile,{home / 'alert.wav'}",
                    f"module_path {MODULES}",
                    "module g711.so",
                    "module aufile.so",
                    "module_app account.so",
                    "",
                ]
            )
        )
        (home / "accounts").write_text(
            f"<sip:{user}@127.0.0.1:{server_port}>;auth_pass={password};answermode=auto;"
            "regint=60;ptime=20;audio_codecs=PCMA,PCMU\n"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / "baresip.log"

    def start(self) -> None:
        if not Path(BARESIP).exists():
            raise RuntimeError("baresip is not installed: apt-get install baresip-core")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [BARESIP, "-f", str(self.home)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """Stop our own process, by its pid."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Baresip:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_registered(self, show_contacts: callable, within: float = 15.0) -> None:  # type: ignore[valid-type]
        deadline = time.monotonic() + within
        contacts = ""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"baresip exited: {self.log.read_text(errors='replace')}")
            contacts = show_contacts()
            if f"{self.user}/sip:{self.user}" in contacts:
                return
            time.sleep(0.2)
        raise AssertionError(
            f"phone {self.user} did not register in {within} s:\n{contacts}\n"
            f"{self.log.read_text(errors='replace')}"
        )
