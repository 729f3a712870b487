"""Apply a 10,000-extension call center to the sandbox Asterisk and compare with Asterisk itself.

Prints, measured in the same run against the same Asterisk:

- the full apply (database -> snapshot -> build -> render -> lint -> write -> reload ->
  confirm) as a ratio to Asterisk's own reload of the same configuration: starting from the
  same empty Asterisk (empty files, no phone rows), the phone rows the apply wrote
  bulk-inserted into ``phones.sqlite3`` (phones are PJSIP realtime rows, docs/apply.md),
  the same files copied into place and the same modules reloaded over AMI, one after the
  other (Asterisk refuses concurrent reloads). Both start from empty: loading 10,000 new
  endpoints costs Asterisk more than re-reading unchanged ones;
- an apply with nothing to do (median of 20);
- an apply after one queue changed: which modules reloaded, and how long it took.

Usage (root, the sandbox chroot is built on first use):

    .venv/bin/python -m bench.dialplan_apply [--extensions 10000] [--hints]
    .venv/bin/python -u -m bench.dialplan_apply --runs 3 --samples 5 --steps   # issue 16

``--steps`` prints each full apply's steps (lint, write, each reload and confirmation) in
seconds from its start; ``--samples 0`` skips the one-object edits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from bench.dataset import large_company
from controller.ami.session import AmiSession
from controller.config import AmiSettings, AsteriskSettings, Settings, load_settings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.dialplan import phones, service
from controller.dialplan.apply import LAST_GOOD, RELOAD, ApplyStep, Outcome
from controller.dialplan.cache import CACHE_FILE
from controller.dialplan.render import FILES, GENERATED_DIR, Module
from controller.dialplan.state import STATE_FILE
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import AsteriskSandbox, ensure_built, host_mirror

TOP_LEVEL = {
    "extensions.conf": f"[general]\nstatic=yes\n\n#include {GENERATED_DIR}/extensions.conf\n",
    "pjsip.conf": f"#include {GENERATED_DIR}/pjsip.conf\n",
    "queues.conf": f"[general]\nlog_membername_as_agent=yes\n\n#include {GENERATED_DIR}/queues.conf\n",
    "musiconhold.conf": f"[general]\n\n#include {GENERATED_DIR}/musiconhold.conf\n",
    "voicemail.conf": f"[general]\n\n#include {GENERATED_DIR}/voicemail.conf\n",
    **{f"{GENERATED_DIR}/{spec.name}": "; empty\n" for spec in FILES},
}


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


async def _asterisk_reload(settings: Settings, modules: list[Module], marker: str) -> float:
    """Asterisk's own reload of the modules, over AMI, one after the other, until it answers
    a question about what it loaded: a large PJSIP reload goes on in the background after
    the reload action has answered, and is not done before that."""
    async with await AmiSession.open(service.ami_credentials(settings), events=False) as ami:
        start = time.perf_counter()
        for module in modules:
            action, fields = RELOAD[module]
            response, _ = await ami.send(action, dict(fields), timeout=600)
            if response.get("Response") != "Success":
                raise SystemExit(f"Asterisk's reload of {module} failed: {response}")
        await ami.command(f"pjsip show aor {marker}")
        return time.perf_counter() - start


def clear_phone_rows(directory: Path) -> None:
    """No phone rows (an Asterisk with nothing applied). Emptied, not deleted: Asterisk keeps
    the file open (a new file would go unseen until it restarts)."""
    with contextlib.closing(phones.connect(phones.db_path(directory))) as db:
        for table in (*phones.TABLES.values(), "pbx_phone_sections", "pbx_meta"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608


def read_phone_rows(directory: Path) -> dict[tuple[str, str], dict[str, str]]:
    with contextlib.closing(phones.connect(phones.db_path(directory))) as db:
        return phones.read_rows(db)


def bulk_insert(directory: Path, rows: dict[tuple[str, str], dict[str, str]]) -> None:
    """The rows in one transaction, the plainest way (no digests, no comparison)."""
    with contextlib.closing(phones.connect(phones.db_path(directory))) as db:
        db.execute("BEGIN")
        for (table, _name), row in rows.items():
            names = ",".join(row)
            marks = ",".join("?" * len(row))
            db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608
        db.execute("COMMIT")


def _process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system, all threads) of process ``pid`` so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _import(settings: Settings, text: str) -> float:
    engine = make_engine(settings.effective_database_url)
    start = time.perf_counter()
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text))
    engine.dispose()
    return time.perf_counter() - start


async def run(args: argparse.Namespace, sandbox: AsteriskSandbox, data_dir: Path) -> None:
    account = sandbox.ami
    settings = Settings(
        data_dir=data_dir,
        ami=AmiSettings(
            host=account.host,
            port=account.port,
            username=account.username,
            secret=SecretStr(account.secret),
        ),
        asterisk=AsteriskSettings(
            config_dir=sandbox.etc_dir, sip_bind=f"127.0.0.1:{_free_port(socket.SOCK_DGRAM)}"
        ),
    )
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    company = large_company(args.extensions, args.menus, args.queues, blf_hints=args.hints)
    text = yaml.dump(company, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    print(
        f"dataset: {args.extensions} extensions, {args.menus} IVR menus, {args.queues} queues, "
        f"BLF hints {'on' if args.hints else 'off'}; import took {_import(settings, text):.2f} s"
    )

    applied: list[service.Applied] = []
    directory = service.generated_dir(settings)
    everything = [spec.module for spec in FILES]
    modules = list(dict.fromkeys(everything))

    timeline: list[str] = []
    clock = [time.perf_counter()]

    def progress(step: ApplyStep) -> None:
        timeline.append(f"{time.perf_counter() - clock[0]:.2f} {step.step} {step.status} "
                        f"{step.module}".rstrip())  # fmt: skip

    async def apply() -> None:
        timeline.clear()
        clock[0] = time.perf_counter()
        applied.append(await service.apply_from_database(settings, engine, progress=progress))

    async def empty_asterisk() -> None:
        shutil.rmtree(directory / LAST_GOOD, ignore_errors=True)
        (directory / STATE_FILE).unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):  # a cold apply: no render cache either
            (data_dir / f"{CACHE_FILE}{suffix}").unlink(missing_ok=True)
        clear_phone_rows(directory)
        for spec in FILES:
            (directory / spec.name).write_text("; empty\n", encoding="utf-8")
        await _asterisk_reload(settings, modules, "pbx-meta-none")

    cpu = _CpuClock()
    applies, reloads, cpus = [], [], []
    rendered: dict[str, str] = {}
    for _ in range(args.runs):
        await empty_asterisk()
        cpu.seconds = 0.0
        asterisk_cpu, own_cpu = _process_cpu(sandbox.pid), time.process_time()
        applies.append(await _timed(apply))
        own_cpu, asterisk_cpu = (
            time.process_time() - own_cpu,
            _process_cpu(sandbox.pid) - asterisk_cpu,
        )
        cpus.append(cpu.seconds)
        full_steps = list(timeline)
        report = applied[-1].report
        if report.outcome is not Outcome.APPLIED:
            raise SystemExit(f"apply failed:\n{report.render()}")
        phases = applied[-1].seconds
        rendered = {spec.name: (directory / spec.name).read_text() for spec in FILES}
        rows = read_phone_rows(directory)
        await empty_asterisk()
        # Asterisk's own load of the same configuration: the same rows, the same files.
        marker = re.search(r"^\[(pbx-meta-[0-9a-f]+)\]", rendered["pjsip.conf"], re.MULTILINE)
        assert marker is not None
        base_asterisk, base_own = _process_cpu(sandbox.pid), time.process_time()
        start = time.perf_counter()
        bulk_insert(directory, rows)
        for name, content in rendered.items():
            (directory / name).write_text(content, encoding="utf-8")
        await _asterisk_reload(settings, modules, marker.group(1))
        reloads.append(time.perf_counter() - start)
        base_own, base_asterisk = (
            time.process_time() - base_own,
            _process_cpu(sandbox.pid) - base_asterisk,
        )
        print(f"  full apply {applies[-1]:6.2f} s (CPU: this process {own_cpu:5.2f} s, of which "
              f"reading to assembling {cpus[-1]:5.2f} s; Asterisk {asterisk_cpu:5.2f} s); "
              f"Asterisk's own load of the same {len(rows)} rows and files {reloads[-1]:6.2f} s "
              f"(CPU: inserting {base_own:5.2f} s; Asterisk {base_asterisk:5.2f} s): "
              f"{applies[-1] / reloads[-1]:.2f}x")  # fmt: skip
        if args.steps:
            print("    the apply's steps (s from its start): " + "; ".join(full_steps))
    full, own = statistics.median(applies), statistics.median(reloads)
    size = sum(len(content.encode()) for content in rendered.values())
    print(f"generated files: {size / 1e6:.1f} MB; modules reloaded: {', '.join(modules)}")
    print(f"full apply:              {full:7.3f} s (median of {args.runs}) = "
          + " + ".join(f"{k} {v:.3f}" for k, v in phases.items()))  # fmt: skip
    print(f"  controller CPU:        {statistics.median(cpus):7.3f} s (median; this process, "
          "reading to assembling)")  # fmt: skip
    print(
        f"Asterisk's own reload:   {own:7.3f} s (median of {args.runs}; the same phone rows "
        "inserted, the same files, the same modules)"
    )
    print(f"ratio apply / reload:    {full / own:7.2f}x   (issue 16 §2: <= 1.1x; runs "
          f"{', '.join(f'{a / r:.2f}' for a, r in zip(applies, reloads, strict=True))})")  # fmt: skip

    # Leave the applied configuration in place for the next measurements.
    await empty_asterisk()
    await apply()
    noop = [await _timed(apply) for _ in range(20)]
    assert all(not a.report.changed for a in applied[-20:])
    print(
        f"no-op apply:             {statistics.median(noop) * 1000:7.1f} ms (median of 20; target <= 50 ms)"
    )

    if args.samples:
        await _one_object_changes(settings, company, applied, apply, cpu, args.samples)
    engine.dispose()


# One-object edits, as the admin pages make them (issue 16): name -> edit of the document,
# for the n-th sample (each sample a different object, so none repeats an earlier change).
EDITS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "queue member": lambda d, n: d["queues"][7 + n]["members"].append(
        {"agent": f"{8100 + n}", "penalty": 1}
    ),
    "IVR option": lambda d, n: d["ivr_menus"][7 + n]["options"].update({"9": f"queue:q{8 + n}"}),
    "inbound route": lambda d, n: d["inbound_routes"][7 + n].update(
        {"destination": f"queue:q{7 + n}"}
    ),
    "extension's ring time": lambda d, n: d["extensions"][77 + n].update({"ring_seconds": 25}),
}


class _CpuClock:
    """CPU time of this process in the controller's own steps of an apply (reading, building,
    rendering, linting, assembling): on a loaded machine the wall time also counts the time
    other processes held both cores; the CPU time is what the same steps cost alone."""

    def __init__(self) -> None:
        self.seconds = 0.0
        for name in ("update_render_cache", "_to_apply"):
            setattr(service, name, self._timed(getattr(service, name)))

    def _timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start

        return timed


async def _one_object_changes(
    settings: Settings,
    company: dict[str, Any],
    applied: list[service.Applied],
    apply: Callable[[], Awaitable[None]],
    cpu: _CpuClock,
    samples: int,
) -> None:
    """Each edit, ``samples`` times on different objects: import it, apply it (timed), then
    Asterisk's own reload of the same modules for the same change: the files before the edit
    put back and reloaded (not timed), the files after it put in place and the same modules
    reloaded (timed). Medians over the samples; the ratio is the median of each sample's."""
    directory = service.generated_dir(settings)
    print(f"one-object changes (incremental apply), median of {samples} objects each:")
    for label, edit in EDITS.items():
        rows = []
        for n in range(samples):
            edit(company, n)
            text = yaml.dump(company, Dumper=yaml.CSafeDumper, allow_unicode=True,
                             sort_keys=False)  # fmt: skip
            _import(settings, text)
            before = {spec.name: (directory / spec.name).read_text() for spec in FILES}
            cpu.seconds = 0.0
            whole = await _timed(apply)
            result = applied[-1]
            report = result.report
            if report.outcome is not Outcome.APPLIED or result.full:
                raise SystemExit(f"{label}: not applied incrementally ({result.reason})\n"
                                 f"{report.render()}")  # fmt: skip
            names = [name for name in report.changed if name in before]
            after = {name: (directory / name).read_text() for name in names}
            own_part = result.seconds["controller"] + report.write_seconds
            for name in names:
                (directory / name).write_text(before[name], encoding="utf-8")
            marker = re.search(r"^\[(pbx-meta-[0-9a-f]+)\]", before["pjsip.conf"], re.MULTILINE)
            assert marker is not None
            await _asterisk_reload(settings, report.reloaded, marker.group(1))
            for name, content in after.items():
                (directory / name).write_text(content, encoding="utf-8")
            own = await _asterisk_reload(settings, report.reloaded, marker.group(1))
            rows.append((own_part, cpu.seconds, whole, own, whole / own, result, report))
        median = {
            key: statistics.median(row[index] for row in rows)
            for index, key in enumerate(("controller", "cpu", "apply", "own", "ratio"))
        }
        result, report = rows[-1][5], rows[-1][6]
        phases = " + ".join(f"{k} {v * 1000:.1f}" for k, v in result.seconds.items())
        print(
            f"  {label:22} controller {median['controller'] * 1000:6.1f} ms, CPU "
            f"{median['cpu'] * 1000:5.1f} ms (target <= 50; samples "
            f"{', '.join(f'{r[0] * 1000:.0f}' for r in rows)} ms; last: {phases}, write "
            f"{report.write_seconds * 1000:.1f}); apply {median['apply'] * 1000:6.1f} ms, "
            f"Asterisk's reload of {'+'.join(m.value for m in report.reloaded)} alone "
            f"{median['own'] * 1000:6.1f} ms: ratio {median['ratio']:.2f}x (target <= 1.2x; "
            f"samples {', '.join(f'{r[4]:.2f}' for r in rows)}); files: "
            f"{', '.join(report.changed)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extensions", type=int, default=10_000)
    parser.add_argument("--menus", type=int, default=500)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--hints", action="store_true", help="one BLF hint per phone")
    parser.add_argument("--runs", type=int, default=3, help="full applies and reloads (median)")
    parser.add_argument("--samples", type=int, default=5, help="objects per one-object edit")
    parser.add_argument("--steps", action="store_true", help="print each full apply's steps")
    args = parser.parse_args()
    settings = load_settings()
    ensure_built(
        settings.sandbox_root,
        settings.sandbox.mirror or host_mirror(),
        suite=settings.sandbox.suite,
    )
    sandbox = AsteriskSandbox(settings.sandbox_root, boot_timeout=120)
    print(f"load average at the start: {_load()}")
    sandbox.start(TOP_LEVEL, "bench", secrets.token_urlsafe(18), _free_port())
    try:
        with tempfile.TemporaryDirectory(prefix="pbx-bench-") as tmp:
            asyncio.run(run(args, sandbox, Path(tmp)))
    finally:
        sandbox.stop()
        print(f"load average at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
