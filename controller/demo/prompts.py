"""Stand-in recordings for the example company's prompts, made from Asterisk's stock sounds.

The example names its own prompts (``custom/main-menu-zh`` ...), which a real company
records and uploads on the Prompts page. An apply refuses a configuration whose prompts have
no sound file, so the demo (and the tests that run the example company) give each missing
prompt a stock sound that says something close: converted to the 8 kHz WAV an upload becomes
when ffmpeg is there, else the stock GSM file itself (Asterisk plays both). Nothing is shipped
in the repository: the stock sounds come with Asterisk.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from controller import prompts

# A prompt's name containing the word -> the stock sound standing in for it (first match).
STAND_INS = (
    ("invalid", "pm-invalid-option"),
    ("menu", "hello-world"),
    ("hours", "please-try-call-later"),
    ("callback", "queue-periodic-announce"),
    ("notice", "conf-now-recording"),
    ("thank", "queue-thankyou"),
    ("survey", "demo-thanks"),
)
FALLBACK = "beep"


def stock_sound(sounds_dir: Path, name: str) -> Path | None:
    """The stock GSM file standing in for prompt ``name`` (any installed voice), or None."""
    wanted = next((stock for word, stock in STAND_INS if word in name), FALLBACK)
    for stock in (wanted, FALLBACK):
        for path in sorted(sounds_dir.glob(f"*/{stock}.gsm")):
            if path.is_file():
                return path
    return None


def _to_wav(gsm: Path) -> bytes | None:
    tool = shutil.which("ffmpeg")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "stand-in.wav"  # a file, not a pipe: a WAV header with sizes
        done = subprocess.run(
            [tool, "-hide_banner", "-loglevel", "error", "-f", "gsm", "-i", str(gsm),
             "-ac", "1", "-ar", str(prompts.RATE), "-sample_fmt", "s16", str(out)],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not out.is_file():
            return None
        try:
            return prompts.convert(out.name, out.read_bytes())
        except prompts.PromptError:
            return None


def provide_stand_ins(sounds_dir: Path, uses: Iterable[prompts.PromptUse]) -> list[str]:
    """Give every prompt of ``uses`` that has no sound file a stock stand-in; returns the
    names given one. A prompt already recorded is never replaced."""
    made: list[str] = []
    for use in prompts.missing(sounds_dir, uses):
        if use.name in made:
            continue
        stock = stock_sound(sounds_dir, use.name)
        if stock is None:
            continue  # no stock sounds installed: the apply will say which prompt is missing
        wav = _to_wav(stock)
        if wav is not None:
            prompts.store(sounds_dir, use.name, wav)
        else:
            target = prompts.prompt_path(sounds_dir, use.name).with_suffix(".gsm")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stock, target)
        made.append(use.name)
    return made
