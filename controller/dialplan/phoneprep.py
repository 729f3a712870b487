"""Phone rows prepared on the second core while the lint runs (issue 16 §2).

A full apply renders everything, lints it, and only then may it touch Asterisk; turning
``pjsip.conf``'s 30,000 phone sections into rows (:func:`controller.dialplan.phones.prepare`:
split, digests, parsing, reading what ``phones.sqlite3`` holds) needs nothing of the lint,
so :class:`Preparing` does it in a process of its own (``python -m
controller.dialplan.phoneprep``), started as soon as ``pjsip.conf`` is rendered. The apply
takes the result once the lint passed; nothing is written before, so an apply the lint
refuses leaves Asterisk untouched as ever. A process rather than a thread: the work is
Python and would hold the interpreter the lint needs; a new interpreter rather than a fork:
the web server that applies has threads. Anything that goes wrong with the process (it
cannot start, dies, answers garbage) makes the apply prepare the rows itself, as before;
a section that cannot be a row is refused with the same error either way.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from controller.dialplan import phones
from controller.dialplan.facts import PJSIP, Fact, extract
from controller.dialplan.state import gc_paused

_TIMEOUT = 120.0  # seconds; the work takes well under one on the 10,000-phone site
_PIPE_SIZE = 1 << 20  # bytes of each pipe (Linux's default for a user's pipe at most)


def _child_env() -> dict[str, str]:
    """This process's environment, with the directory this package was imported from first
    on the child's path (the apply may run from a checkout, in any working directory)."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


class Preparing:
    """:func:`phones.prepare` of one rendered ``pjsip.conf``, running in another process."""

    def __init__(self, pjsip: str, directory: Path, segments: Sequence[str] = ()) -> None:
        """``segments``: the texts of ``pjsip.conf``'s segments, whose facts (for the lint)
        the process extracts too (:meth:`facts`)."""
        self.pjsip = pjsip
        self.directory = directory  # the generated directory, where phones.sqlite3 is
        self.segments = len(segments)
        self._out: bytes | None = None
        self._answered: dict[str, Any] | None = None
        self.in_process = False  # result() prepared them itself (no answer from the process)
        self._thread: threading.Thread | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_child_env(),
            )
        except OSError:
            self._process = None
            return
        # The child reads once its imports are done: a thread talks to it (writes the
        # request, reads the answer), the caller goes on linting.
        request = marshal.dumps((pjsip, str(directory), list(segments)))
        self._thread = threading.Thread(target=self._talk, args=(request,), daemon=True)
        self._thread.start()

    def _talk(self, request: bytes) -> None:
        """Write the request whole, then read the answer whole. Not ``communicate()``: it
        writes a pipe buffer's worth (4 KB) at a time, each after taking the interpreter
        back from the lint's thread (5 ms each at worst): the request (5 MB) then reached
        the process half a second late. A blocking write or read gives the interpreter up
        while it waits, and takes it back once per large pipe buffer."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError, AttributeError):  # Linux only; optional
                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        try:
            process.stdin.write(request)
            process.stdin.close()
            out = process.stdout.read()
            returncode = process.wait(_TIMEOUT)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            with contextlib.suppress(OSError):
                process.kill()
                process.wait(5)
            return
        finally:
            for pipe in (process.stdin, process.stdout):
                with contextlib.suppress(OSError, ValueError):
                    pipe.close()
        if returncode == 0:
            self._out = out

    def result(self, files: dict[str, str]) -> phones.Prepared:
        """The prepared files and phone rows for ``files`` (whose ``pjsip.conf`` must be the
        text this was started with). Raises :class:`phones.PhoneRowError` as
        :func:`phones.prepare` would."""
        answer = self._answer() if files.get(phones.PJSIP_FILE) == self.pjsip else None
        if answer is None:
            self.in_process = True
            self.cancel()
            with gc_paused():
                return phones.prepare(files, self.directory)
        if "error" in answer:
            raise phones.PhoneRowError(answer["error"])
        found = answer["sync"]
        sync = None if found is None else phones.PhoneSync(phones.db_path(self.directory), **found)
        return phones.Prepared({**files, phones.PJSIP_FILE: answer["pjsip"]}, sync)

    def facts(self, name: str) -> list[tuple[list[Fact], str | None]] | None:
        """For ``pjsip.conf``: each of its segments' facts and the section open at its end
        (:func:`controller.dialplan.facts.extract`, from no section at the file's start);
        None for another file or without the process's answer."""
        if name != phones.PJSIP_FILE:
            return None
        answer = self._answer()
        found = answer.get("facts") if answer is not None else None
        return found if isinstance(found, list) and len(found) == self.segments else None

    def _answer(self) -> dict[str, Any] | None:
        if self._answered is not None:
            return self._answered
        if self._thread is None:
            return None
        self._thread.join(_TIMEOUT + 5)
        if self._out is None:
            return None
        try:
            answer = marshal.loads(self._out)  # noqa: S302 - our own child's answer, over a pipe
        except (EOFError, ValueError, TypeError):
            return None
        self._out = None
        if isinstance(answer, dict):
            self._answered = answer
        return self._answered

    def cancel(self) -> None:
        """Stop the process (an apply refused by its lint does not need the rows)."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(OSError):
                self._process.kill()
        if self._thread is not None:
            self._thread.join(_TIMEOUT + 5)


def segment_facts(segments: Iterable[str]) -> list[tuple[list[Fact], str | None]]:
    """The facts of each of ``pjsip.conf``'s segments, as a full render extracts them."""
    found = []
    ctx: str | None = None
    for text in segments:
        facts, ctx = extract(PJSIP, text, ctx)
        found.append((facts, ctx))
    return found


def prepare_answer(pjsip: str, directory: Path, segments: Iterable[str] = ()) -> dict[str, Any]:
    """What the process answers: :func:`phones.prepare`'s result as plain data, and the
    segments' facts."""
    facts = segment_facts(segments)
    try:
        prepared = phones.prepare({phones.PJSIP_FILE: pjsip}, directory)
    except phones.PhoneRowError as exc:
        return {"error": str(exc), "facts": facts}
    sync = prepared.sync
    if sync is None:
        return {"pjsip": prepared.files[phones.PJSIP_FILE], "sync": None, "facts": facts}
    return {
        "facts": facts,
        "pjsip": prepared.files[phones.PJSIP_FILE],
        "sync": {
            "rows": sync.rows,
            "digests": sync.digests,
            "templates_digest": sync.templates_digest,
            "old_rows": sync.old_rows,
            "old_digests": sync.old_digests,
            "old_templates_digest": sync.old_templates_digest,
        },
    }


def main() -> None:
    gc.disable()  # tens of thousands of small acyclic objects, and the process ends soon
    pjsip, directory, segments = marshal.loads(sys.stdin.buffer.read())  # noqa: S302 - our parent's
    sys.stdout.buffer.write(marshal.dumps(prepare_answer(pjsip, Path(directory), segments)))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
