"""Put rendered files in place and make Asterisk load them, or leave it as it was.

1. Compare with the files on disk: unchanged files are not touched, and when nothing changed
   nothing is reloaded.
2. Write each changed file atomically (temporary file, fsync, rename).
3. Reload, over AMI, only the modules whose files changed.
4. Confirm Asterisk loaded them: read back the marker each dialplan and PJSIP file ends with,
   and the queues, music classes and mailboxes Asterisk now reports.
5. If Asterisk did not take the new files, put back the last good ones (kept in
   ``.last-good``), reload again, and confirm that; otherwise the new files become the last
   good ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from controller.ami.session import AmiCredentials, AmiError, AmiSession
from controller.dialplan import confparse, phones
from controller.dialplan.render import FILES, MODULE_OF, Module, dialplan_marker_context
from controller.dialplan.state import gc_paused

LAST_GOOD = ".last-good"
# Asterisk reads the generated files through the group of their directory (Debian's
# /etc/asterisk belongs to asterisk:asterisk); nobody else may, some hold secrets.
GENERATED_FILE_MODE = 0o640
GENERATED_DIR_MODE = 0o750

# What reloads each module, as an AMI action.
RELOAD: dict[Module, tuple[str, dict[str, str]]] = {
    Module.DIALPLAN: ("Command", {"Command": "dialplan reload"}),
    Module.PJSIP: ("Reload", {"Module": "res_pjsip.so"}),
    Module.QUEUES: ("Reload", {"Module": "app_queue.so"}),
    Module.MUSICONHOLD: ("Reload", {"Module": "res_musiconhold.so"}),
    Module.VOICEMAIL: ("Reload", {"Module": "app_voicemail.so"}),
}


class Outcome(IntEnum):
    """Exit codes of ``pbxctl dialplan apply``."""

    APPLIED = 0  # or nothing to do
    REFUSED = 1  # stopped before touching Asterisk (lint, templates, AMI unreachable)
    ROLLED_BACK = 3  # Asterisk did not take the new files; the previous ones run again
    ROLLBACK_FAILED = 4  # ... and restoring the previous ones failed too: look now


@dataclass
class ApplyReport:
    outcome: Outcome
    changed: list[str] = field(default_factory=list)
    reloaded: list[Module] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Time spent comparing and writing files (not waiting for Asterisk), for benchmarks.
    write_seconds: float = 0.0

    def render(self) -> str:
        lines = []
        if not self.changed:
            lines.append("nothing changed; Asterisk was not reloaded")
        else:
            lines.append("changed: " + ", ".join(self.changed))
            if self.reloaded:
                lines.append("reloaded: " + ", ".join(m.value for m in self.reloaded))
        lines += self.problems
        verdict = {
            Outcome.APPLIED: "applied" if self.changed else None,
            Outcome.REFUSED: "not applied: Asterisk was not touched",
            Outcome.ROLLED_BACK: "Asterisk did not load the new configuration; "
            "the previous configuration was restored and is running",
            Outcome.ROLLBACK_FAILED: "Asterisk did not load the new configuration, and restoring "
            "the previous one failed: check Asterisk now",
        }[self.outcome]
        if verdict:
            lines.append(verdict)
        return "\n".join(lines)


@dataclass(frozen=True)
class ApplyStep:
    """One step of an apply as it happens, for a progress display (the admin page's Apply).

    ``step``: ``lint``, ``write``, ``reload``, ``confirm`` or ``rollback``; ``status``:
    ``start``, ``done`` or ``failed``; ``module``: the Asterisk module of a reload or confirm;
    ``detail``: the files written, or why it failed."""

    step: str
    status: str
    module: str = ""
    detail: str = ""


Progress = Callable[[ApplyStep], None] | None


def _tell(progress: Progress, *args: str) -> None:
    if progress is not None:
        progress(ApplyStep(*args))


def changed_files(files: Mapping[str, str], directory: Path) -> list[str]:
    """Names of the files whose content differs from what is on disk (or is missing)."""
    changed = []
    for name, text in files.items():
        try:
            if (directory / name).read_bytes() == text.encode("utf-8"):
                continue
        except FileNotFoundError:
            pass
        changed.append(name)
    return changed


def write_atomically(directory: Path, name: str, text: str) -> None:
    """Replace ``directory/name`` in one step; Asterisk never sees a half-written file."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    tmp = directory / f".{name}.tmp"
    # Mode 0640 and the directory's group: pjsip.conf, voicemail.conf and manager.conf hold
    # secrets, and Asterisk reads them through its group. Set explicitly: under a umask such
    # as 077 open() alone would give 0600, which Asterisk cannot read as another user.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, GENERATED_FILE_MODE)
    try:
        os.fchmod(fd, GENERATED_FILE_MODE)
        view = memoryview(text.encode("utf-8"))
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    # Not in that group: Asterisk must then run as our user or group.
    with contextlib.suppress(PermissionError):
        os.chown(tmp, -1, directory.stat().st_gid)
    tmp.replace(target)


def keep_as_last_good(directory: Path, last_good_dir: Path, name: str, text: str) -> None:
    """Make the file just applied the last good one. A second name for the same file
    (a hard link) rather than a copy: the file is never changed in place (each write
    replaces it by a new one), so the link keeps this content, with the file's own mode and
    group, without writing and syncing megabytes again."""
    tmp = last_good_dir / f".{name}.tmp"
    try:
        tmp.unlink(missing_ok=True)
        os.link(directory / name, tmp)
        tmp.replace(last_good_dir / name)
    except OSError:  # a file system without hard links: a copy, same mode and group
        write_atomically(last_good_dir, name, text)


def prepare_directory(directory: Path) -> None:
    """Create the generated directory owned like Asterisk's configuration directory."""
    if directory.is_dir():
        return
    directory.mkdir(mode=GENERATED_DIR_MODE, parents=True)
    directory.chmod(GENERATED_DIR_MODE)  # whatever the umask
    parent = directory.parent.stat()
    with contextlib.suppress(PermissionError):
        os.chown(directory, parent.st_uid, parent.st_gid)


def _modules(names: Iterable[str]) -> list[Module]:
    return sorted({MODULE_OF[name] for name in names}, key=lambda m: list(Module).index(m))


# -- confirming what Asterisk loaded -------------------------------------------------------


# What changed in each file, by owner (controller.dialplan.incremental): the checks after a
# reload then look at those objects only. None: check everything in the files.
Units = Mapping[str, Mapping[str, str]] | None


async def _verify_dialplan(ami: AmiSession, files: Mapping[str, str], units: Units) -> list[str]:
    problems = []
    for spec in FILES:
        if spec.module is not Module.DIALPLAN or spec.name not in files:
            continue
        text = files[spec.name]
        match = re.search(r"NoOp\(([0-9a-f]{16})\)\n$", text)
        if match is None:
            continue  # an empty placeholder (nothing applied before): nothing to confirm
        expected = match.group(1)
        events = await ami.list_action(
            "ShowDialPlan", Context=dialplan_marker_context(spec.name), Extension="s"
        )
        loaded = {e.get("AppData") for e in events}
        if expected not in loaded:
            problems.append(
                f"{spec.name}: Asterisk did not load it (check the Asterisk log; is it "
                f"#included from extensions.conf?)"
            )
    return problems


async def _verify_pjsip(ami: AmiSession, files: Mapping[str, str], units: Units) -> list[str]:
    match = re.search(r"\[(pbx-meta-[0-9a-f]{16})\]\ntype=aor", files["pjsip.conf"])
    if match is None:
        return []  # an empty placeholder (nothing applied before): nothing to confirm
    # The one marker aor, not PJSIPShowAors: listing 10,000 phones' aors took seconds (and
    # timed out on a busy machine). Asterisk answers once the reload is over.
    output = await ami.command(f"pjsip show aor {match.group(1)}")
    if "Unable to find" in output or match.group(1) not in output:
        return [
            "pjsip.conf: Asterisk did not load it (check the log; is it #included from pjsip.conf?)"
        ]
    return []


def _queue_expectations(text: str) -> dict[str, dict[str, str]]:
    expected: dict[str, dict[str, str]] = {}
    for section in confparse.parse(text).sections:
        values = {e.key: e.value for e in section.entries}
        expected[section.name] = {
            "Strategy": values.get("strategy", ""),
            "Max": values.get("maxlen", "0"),
            "ServiceLevel": values.get("servicelevel", "0"),
            "Weight": values.get("weight", "0"),
        }
    return expected


async def _verify_queues(ami: AmiSession, files: Mapping[str, str], units: Units) -> list[str]:
    changed = units.get("queues.conf") if units is not None else None
    if changed is not None:
        # Only the queues that changed: QueueStatus of one queue instead of hundreds.
        expected = _queue_expectations("".join(changed.values()))
        loaded = {}
        for queue in expected:
            events = await ami.list_action("QueueStatus", Queue=queue)
            loaded.update({e.get("Queue"): e for e in events if e.get("Event") == "QueueParams"})
    else:
        expected = _queue_expectations(files["queues.conf"])
        events = await ami.list_action("QueueStatus")
        loaded = {e.get("Queue"): e for e in events if e.get("Event") == "QueueParams"}
    problems = []
    for queue, params in expected.items():
        actual = loaded.get(queue)
        if actual is None:
            problems.append(f"queues.conf: Asterisk has no queue {queue!r} after the reload")
            continue
        wrong = [k for k, v in params.items() if actual.get(k) != v]
        if wrong:
            shown = ", ".join(f"{k} {actual.get(k)!r} (expected {params[k]!r})" for k in wrong)
            problems.append(f"queues.conf: queue {queue!r} did not take its settings: {shown}")
    return problems


async def _verify_musiconhold(ami: AmiSession, files: Mapping[str, str], units: Units) -> list[str]:
    expected = {s.name for s in confparse.parse(files["musiconhold.conf"]).sections}
    output = await ami.command("moh show classes")
    loaded = set(re.findall(r"^Class: (\S+)", output, flags=re.MULTILINE))
    missing = sorted(expected - loaded)
    if not missing:
        return []
    return [
        f"musiconhold.conf: Asterisk did not load the class(es) {', '.join(missing)}: "
        "a class needs an existing directory with sound files"
    ]


async def _verify_voicemail(ami: AmiSession, files: Mapping[str, str], units: Units) -> list[str]:
    conf = confparse.parse(files["voicemail.conf"])
    expected = {e.key for s in conf.section("pbx") for e in s.entries}
    events = await ami.list_action("VoicemailUsersList")
    loaded = {e.get("VoiceMailbox") for e in events if e.get("VMContext") == "pbx"}
    missing = sorted(expected - loaded)
    return [f"voicemail.conf: mailboxes not loaded: {', '.join(missing)}"] if missing else []


# PJSIP first: the slowest to settle (see reload_and_verify).
_RELOAD_ORDER = [Module.PJSIP, Module.DIALPLAN, Module.QUEUES, Module.MUSICONHOLD, Module.VOICEMAIL]

_VERIFY = {
    Module.DIALPLAN: _verify_dialplan,
    Module.PJSIP: _verify_pjsip,
    Module.QUEUES: _verify_queues,
    Module.MUSICONHOLD: _verify_musiconhold,
    Module.VOICEMAIL: _verify_voicemail,
}


async def _reload(ami: AmiSession, module: Module) -> str | None:
    """Reload one module; None on success, else Asterisk's reason. Asterisk runs one module
    reload at a time ("A reload is in progress" otherwise, e.g. when an admin reloads too),
    so that answer is retried briefly rather than taken for a failure."""
    action, fields = RELOAD[module]
    for attempt in range(20):
        response, _ = await ami.send(action, dict(fields), timeout=300)
        if response.get("Response") == "Success":
            return None
        message = response.get("Message", "?")
        if "in progress" not in message.lower():
            return message
        await asyncio.sleep(0.1 * (attempt + 1))
    return "another reload kept running"


async def reload_and_verify(
    ami: AmiSession,
    modules: list[Module],
    files: Mapping[str, str],
    units: Units = None,
    progress: Progress = None,
) -> list[str]:
    """Reload ``modules`` one after the other, then confirm each loaded ``files``.

    All reloads come first: Asterisk finishes a large PJSIP reload in the background (its
    objects are processed after the reload action has answered), and would make an early
    check wait; meanwhile it can reload the other modules.
    """
    problems = []
    reloaded = []
    for module in sorted(modules, key=_RELOAD_ORDER.index):
        _tell(progress, "reload", "start", module.value)
        failure = await _reload(ami, module)
        if failure is None:
            reloaded.append(module)
            _tell(progress, "reload", "done", module.value)
        else:
            problems.append(f"reload of {module.value} failed: {failure}")
            _tell(progress, "reload", "failed", module.value, failure)
    for module in reloaded:
        found = await _VERIFY[module](ami, files, units)
        _tell(progress, "confirm", "failed" if found else "done", module.value, "\n".join(found))
        problems += found
    return problems


# -- the apply ----------------------------------------------------------------------------


def _read_dir(directory: Path) -> dict[str, str]:
    result = {}
    for spec in FILES:
        path = directory / spec.name
        if path.exists():
            result[spec.name] = path.read_text(encoding="utf-8")
    return result


def _empty_file(name: str) -> str:
    return f"; pbx-controller: no configuration applied yet ({name})\n"


async def _apply_files(
    files: Mapping[str, str],
    directory: Path,
    credentials: AmiCredentials,
    units: Units = None,
    progress: Progress = None,
) -> ApplyReport:
    """Apply rendered ``files`` into ``directory`` (Asterisk's generated directory).

    ``files`` may be some of the generated files only (those that may have changed);
    ``units`` then says what changed in them, for the checks after the reload. ``progress``
    is told each step (:class:`ApplyStep`) as it starts and ends."""
    clock = time.perf_counter()
    changed = changed_files(files, directory)
    if not changed:
        return ApplyReport(Outcome.APPLIED)
    modules = _modules(changed)
    writing = time.perf_counter() - clock
    try:
        ami = await AmiSession.open(credentials, events=False)
    except AmiError as exc:
        return ApplyReport(Outcome.REFUSED, changed, [], [str(exc)])

    async with ami:
        prepare_directory(directory)
        last_good_dir = directory / LAST_GOOD
        if not last_good_dir.is_dir():
            # First apply: what runs now is whatever is on disk (or nothing).
            prepare_directory(last_good_dir)
            for name in files:
                current = directory / name
                text = (
                    current.read_text(encoding="utf-8") if current.exists() else _empty_file(name)
                )
                write_atomically(last_good_dir, name, text)
        _tell(progress, "write", "start", "", ", ".join(changed))
        clock = time.perf_counter()
        for name in changed:
            write_atomically(directory, name, files[name])
        writing += time.perf_counter() - clock
        _tell(progress, "write", "done", "", ", ".join(changed))
        problems = await reload_and_verify(ami, modules, files, units, progress)
        if not problems:
            clock = time.perf_counter()
            for name in changed:
                keep_as_last_good(directory, last_good_dir, name, files[name])
            writing += time.perf_counter() - clock
            return ApplyReport(Outcome.APPLIED, changed, modules, write_seconds=writing)

        _tell(progress, "rollback", "start", "", ", ".join(changed))
        previous = _read_dir(last_good_dir)
        for name in changed:
            write_atomically(directory, name, previous.get(name, _empty_file(name)))
        restored = {**files, **previous}
        retry = await reload_and_verify(ami, modules, restored, progress=progress)
        _tell(progress, "rollback", "failed" if retry else "done", "", "\n".join(retry))
        if retry:
            return ApplyReport(Outcome.ROLLBACK_FAILED, changed, modules, problems + retry)
        return ApplyReport(Outcome.ROLLED_BACK, changed, modules, problems)


async def apply_files(
    files: Mapping[str, str],
    directory: Path,
    credentials: AmiCredentials,
    units: Units = None,
    progress: Progress = None,
    prepared: phones.Prepared | None = None,
) -> ApplyReport:
    """Apply rendered ``files`` into ``directory`` (Asterisk's generated directory).

    ``files`` may be some of the generated files only (those that may have changed);
    ``units`` then says what changed in them, for the checks after the reload. ``progress``
    is told each step (:class:`ApplyStep`) as it starts and ends. The phones of
    ``pjsip.conf`` go to Asterisk as realtime rows (:mod:`controller.dialplan.phones`):
    written first, confirmed, and put back if the apply fails. ``prepared``: the result of
    :func:`phones.prepare` for these ``files`` when the caller has it already."""
    clock = time.perf_counter()
    if prepared is None:
        with gc_paused():  # 30,000 phone sections: small acyclic objects
            prepared = phones.prepare(files, directory)
    writing = time.perf_counter() - clock
    sync = prepared.sync
    if sync is None or not sync.changed:
        return await _apply_files(prepared.files, directory, credentials, units, progress)
    try:
        ami = await AmiSession.open(credentials, events=False)
    except AmiError as exc:
        return ApplyReport(Outcome.REFUSED, [sync.summary()], [], [str(exc)])
    report = await _apply_phones(ami, sync, prepared.files, directory, credentials, units, progress)
    report.write_seconds += writing
    return report


async def _apply_phones(
    ami: AmiSession,
    sync: phones.PhoneSync,
    files: Mapping[str, str],
    directory: Path,
    credentials: AmiCredentials,
    units: Units,
    progress: Progress,
) -> ApplyReport:
    """Phone rows first (Asterisk sees them at once, no reload), then the files as usual;
    the rows are put back if either is not confirmed."""
    async with ami:
        clock = time.perf_counter()
        prepare_directory(directory)
        with gc_paused():
            sync.write()
        writing = time.perf_counter() - clock
        problems = await phones.verify(ami, sync)
    if problems:
        sync.undo()
        return ApplyReport(Outcome.ROLLED_BACK, [sync.summary()], [], problems, writing)
    report = await _apply_files(files, directory, credentials, units, progress)
    if report.outcome is not Outcome.APPLIED:
        sync.undo()
    report.changed.append(sync.summary())
    report.write_seconds += writing
    return report
