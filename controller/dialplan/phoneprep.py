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
import gc
import marshal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from controller.dialplan import phones
from controller.dialplan.state import gc_paused

_TIMEOUT = 120.0  # seconds; the work takes well under one on the 10,000-phone site


class Preparing:
    """:func:`phones.prepare` of one rendered ``pjsip.conf``, running in another process."""

    def __init__(self, pjsip: str, directory: Path) -> None:
        self.pjsip = pjsip
        self.directory = directory  # the generated directory, where phones.sqlite3 is
        self._out: bytes | None = None
        self.in_process = False  # result() prepared them itself (no answer from the process)
        self._thread: threading.Thread | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._process = None
            return
        # The child reads once its imports are done: a thread talks to it (writes the
        # request, reads the answer), the caller goes on linting.
        request = marshal.dumps((pjsip, str(directory)))
        self._thread = threading.Thread(target=self._talk, args=(request,), daemon=True)
        self._thread.start()

    def _talk(self, request: bytes) -> None:
        assert self._process is not None
        try:
            out, _ = self._process.communicate(request, timeout=_TIMEOUT)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return
        if self._process.returncode == 0:
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

    def _answer(self) -> dict[str, Any] | None:
        if self._thread is None:
            return None
        self._thread.join(_TIMEOUT + 5)
        if self._out is None:
            return None
        try:
            answer = marshal.loads(self._out)  # noqa: S302 - our own child's answer, over a pipe
        except (EOFError, ValueError, TypeError):
            return None
        return answer if isinstance(answer, dict) else None

    def cancel(self) -> None:
        """Stop the process (an apply refused by its lint does not need the rows)."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(OSError):
                self._process.kill()
        if self._thread is not None:
            self._thread.join(_TIMEOUT + 5)


def prepare_answer(pjsip: str, directory: Path) -> dict[str, Any]:
    """What the process answers: :func:`phones.prepare`'s result as plain data."""
    try:
        prepared = phones.prepare({phones.PJSIP_FILE: pjsip}, directory)
    except phones.PhoneRowError as exc:
        return {"error": str(exc)}
    sync = prepared.sync
    if sync is None:
        return {"pjsip": prepared.files[phones.PJSIP_FILE], "sync": None}
    return {
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
    pjsip, directory = marshal.loads(sys.stdin.buffer.read())  # noqa: S302 - from our parent
    sys.stdout.buffer.write(marshal.dumps(prepare_answer(pjsip, Path(directory))))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
