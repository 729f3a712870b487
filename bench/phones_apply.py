"""A new phone on a 10,000-phone PBX: how soon can it register, with what Asterisk 22 offers?

Issue 16 §2. Each variant boots the sandbox Asterisk with the same 10,000 phones (the
controller's own rendering of ``bench/dataset.py``), adds one phone the variant's way, and
times, from the moment the change starts, until that phone's REGISTER is answered 200 (a
real digest-authenticated REGISTER over UDP, ``bench/sip_register.py``, retried until it
works). It also times the variant's full load of the 10,000 phones.

- ``reload``: one pjsip.conf (what the controller writes today); the new phone is written
  into it and res_pjsip is reloaded: Asterisk re-reads all 10,000 phones.
- ``shards``: the phones spread over N files, each read by its own sorcery "config" wizard
  (``sorcery.conf``); res_pjsip's reload skips every file whose modification time did not
  change, so only the new phone's file is read again.
- ``realtime``: the phones are rows of an SQLite database Asterisk reads through sorcery's
  realtime wizard and ``res_config_sqlite3``: a new row is a new phone, with no reload at
  all (Asterisk looks the endpoint up when its REGISTER arrives).

- ``reloads``: what one ``module reload res_pjsip.so`` costs Asterisk (CPU from /proc, and
  wall time) with the phones as the controller's realtime rows and, for comparison, in
  ``pjsip.conf``: the first reload loads them, the next ones find nothing changed (what a
  trunk edit pays). The rows' order matters: docs/apply.md, "Why a res_pjsip reload ...".

- ``apply`` (the default; what the controller does since the realtime choice): the
  controller's own ``apply_from_database`` on the 10,000-extension dataset of
  ``bench/dialplan_apply.py``. Prints the full apply against Asterisk's own reload of the
  same configuration as files (every phone in pjsip.conf, the same modules reloaded from
  the same empty start; target <= 1.1x), and for a new phone imported after it: the
  incremental apply (which must not reload res_pjsip) and how soon the phone registers
  after the apply returned (target <= 200 ms).

Usage (root, the sandbox chroot is built on first use):

    .venv/bin/python -m bench.phones_apply [--runs 3]                  # the controller's apply
    .venv/bin/python -m bench.phones_apply --variants reload shards realtime [--shards 50]
    .venv/bin/python -m bench.phones_apply --variants reloads --runs 2   # one res_pjsip reload
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import tempfile
import time
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from bench.dataset import large_company
from bench.dialplan_apply import (
    TOP_LEVEL,
    _process_cpu,
    bulk_insert,
    clear_phone_rows,
    read_phone_rows,
)
from bench.sip_register import until_registered
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import AmiSettings, AsteriskSettings, Settings, load_settings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.dialplan import phones as phone_rows
from controller.dialplan import service
from controller.dialplan.apply import LAST_GOOD, RELOAD, Outcome, write_atomically
from controller.dialplan.build import build
from controller.dialplan.cache import CACHE_FILE
from controller.dialplan.model import Options, PhoneView
from controller.dialplan.render import FILES, GENERATED_DIR, Module, Renderer
from controller.dialplan.state import STATE_FILE
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import MODULES, AsteriskSandbox, ensure_built, host_mirror
from controller.sandbox.daemon import chown_inside, log_tail

NEW = "39999"
DB_INSIDE = "/var/lib/asterisk/pbx-phones.sqlite3"
_PHONE_BLOCK = re.compile(r"^\[(\d+)\]\(pbx-phone-(?:endpoint|auth|aor)\)$")
REALTIME_MODULES = (*MODULES, "res_config_sqlite3.so", "res_sorcery_realtime.so")


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _password(number: str) -> str:
    return f"Bench{number}pw{zlib.crc32(number.encode()):08x}"


def _render(extensions: int, sip_bind: str, extra: bool) -> tuple[str, list[PhoneView]]:
    """pjsip.conf as the controller renders it, and the phones' views."""
    company: dict[str, Any] = large_company(extensions, 10, 10)
    # The trunk is matched by source address: away from 127.0.0.1, where the phones are.
    company["trunks"][0]["host"] = "127.0.0.2"
    if extra:
        company["extensions"].append({"number": NEW, "name": "New desk"})
    for ext in company["extensions"]:
        ext["phone"] = {"password": _password(ext["number"])}
    text = yaml.dump(company, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    built = build(parse_config(text).config, Options(sip_bind=sip_bind))
    spec = next(s for s in FILES if s.name == "pjsip.conf")
    return Renderer().render_file(spec, built), list(built.pjsip.phones)


def _blocks(text: str) -> list[str]:
    return re.split(r"(?m)^(?=\[)", text)


def _split(text: str, shards: int) -> tuple[str, str, dict[int, str]]:
    """pjsip.conf without its phones, the phone templates, and the phones by shard."""
    common, templates, by_shard = [], [], {}
    for block in _blocks(text):
        header = block.split("\n", 1)[0]
        match = _PHONE_BLOCK.match(header)
        if match:
            shard = zlib.crc32(match.group(1).encode()) % shards
            by_shard.setdefault(shard, []).append(block)
        elif header.startswith("[pbx-phone-") and "(!)" in header:
            templates.append(block)
        else:
            common.append(block)
    files = {
        n: "#include pbx-phone-templates.conf\n\n" + "".join(by_shard.get(n, []))
        for n in range(shards)
    }
    return "".join(common), "".join(templates), files


def _sorcery_shards(shards: int) -> str:
    lines = ["[res_pjsip]"]
    for kind in ("endpoint", "auth", "aor"):
        lines.append(f"{kind}=config,pjsip.conf,criteria=type={kind}")
        lines += [f"{kind}=config,pbx-phones-{n}.conf,criteria=type={kind}" for n in range(shards)]
    return "\n".join(lines) + "\n"


REALTIME_CONF = {
    "sorcery.conf": "[res_pjsip]\nendpoint=config,pjsip.conf,criteria=type=endpoint\n"
    "endpoint=realtime,ps_endpoints\nauth=config,pjsip.conf,criteria=type=auth\n"
    "auth=realtime,ps_auths\naor=config,pjsip.conf,criteria=type=aor\naor=realtime,ps_aors\n",
    "extconfig.conf": "[settings]\nps_endpoints => sqlite3,pbx\nps_auths => sqlite3,pbx\n"
    "ps_aors => sqlite3,pbx\n",
    "res_config_sqlite3.conf": f"[pbx]\ndbfile={DB_INSIDE}\nbatch=0\n",
}
_ENDPOINT_COLUMNS = [
    "id",
    "transport",
    "context",
    "disallow",
    "allow",
    "direct_media",
    "rtp_symmetric",
    "force_rport",
    "rewrite_contact",
    "auth",
    "aors",
    "callerid",
    "language",
    "mailboxes",
    "set_var",
]


def _rows(phone: PhoneView) -> tuple[tuple[str | None, ...], tuple[str, ...], tuple[str, ...]]:
    endpoint = (
        phone.endpoint, phone.transport, "pbx-phones", "all", phone.codecs, "no", "yes",
        "yes", "yes", phone.endpoint, phone.endpoint, phone.callerid, phone.language,
        phone.mailbox, f"__PBX_EXTEN={phone.endpoint}",
    )  # fmt: skip
    auth = (phone.endpoint, "userpass", phone.username, phone.password)
    aor = (phone.endpoint, str(phone.max_contacts), "yes", "60")
    return endpoint, auth, aor


def _write_rows(db: sqlite3.Connection, phones: list[PhoneView]) -> None:
    rows = [_rows(p) for p in phones]
    marks = ",".join("?" * len(_ENDPOINT_COLUMNS))
    db.execute("BEGIN")  # one transaction (autocommit would sync every row)
    try:
        db.executemany(f"INSERT OR REPLACE INTO ps_endpoints VALUES ({marks})",  # noqa: S608
                       [r[0] for r in rows])  # fmt: skip
        db.executemany("INSERT OR REPLACE INTO ps_auths VALUES (?, ?, ?, ?)", [r[1] for r in rows])
        db.executemany("INSERT OR REPLACE INTO ps_aors VALUES (?, ?, ?, ?)", [r[2] for r in rows])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _create_db(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    # Descending keys, as controller.dialplan.phones makes them (docs/apply.md, "Why a
    # res_pjsip reload ..."): rowid tables made every full listing quadratic.
    tables = {
        "ps_endpoints": _ENDPOINT_COLUMNS[1:],
        "ps_auths": ["auth_type", "username", "password"],
        "ps_aors": ["max_contacts", "remove_existing", "qualify_frequency"],
    }
    for table, columns in tables.items():
        others = "".join(f", {c} TEXT" for c in columns)
        db.execute(
            f"CREATE TABLE {table} (id TEXT NOT NULL{others}, PRIMARY KEY (id DESC)) WITHOUT ROWID"
        )
    return db


async def _reload_pjsip(credentials: AmiCredentials) -> None:
    async with await AmiSession.open(credentials, events=False) as ami:
        response, _ = await ami.send("Reload", {"Module": "res_pjsip.so"}, timeout=600)
        if response.get("Response") != "Success":
            raise SystemExit(f"reload failed: {response}")
        await ami.command("pjsip show endpoint pbx-bench-none")  # waits for the reload to end


def _boot(
    sandbox: AsteriskSandbox, files: dict[str, str], modules: tuple[str, ...], port: int
) -> tuple[float, AmiCredentials]:
    secret = secrets.token_urlsafe(18)
    start = time.perf_counter()
    sandbox.start(files, "bench", secret, port, modules=modules)
    booted = time.perf_counter() - start
    return booted, AmiCredentials("127.0.0.1", port, "bench", secret)


def _registered(server: str, number: str, start: float) -> float:
    until_registered(server, number, _password(number))
    return time.perf_counter() - start


def run(args: argparse.Namespace, sandbox: AsteriskSandbox) -> None:
    sip = f"127.0.0.1:{_free_port(socket.SOCK_DGRAM)}"
    base, phones = _render(args.extensions, sip, extra=False)
    more, more_phones = _render(args.extensions, sip, extra=True)
    new_phone = next(p for p in more_phones if p.endpoint == NEW)
    print(f"{args.extensions} phones, pjsip.conf {len(base) / 1e6:.1f} MB; SIP on {sip}")
    results: dict[str, list[float]] = {}

    def measure(name: str, boot: Callable[[], tuple[float, AmiCredentials]],
                add: Callable[[AmiCredentials], None]) -> None:  # fmt: skip
        if name not in args.variants:
            return
        for _ in range(args.runs):
            booted, credentials = boot()
            try:
                until_registered(sip, "20001", _password("20001"))  # Asterisk is ready
                start = time.perf_counter()
                add(credentials)
                changed = time.perf_counter() - start
                seconds = _registered(sip, NEW, start)
                results.setdefault(name, []).append(seconds)
                print(f"  {name:9} boot with all phones {booted:6.2f} s; the change "
                      f"{changed * 1000:7.1f} ms; registered {seconds * 1000:7.1f} ms after it began")  # fmt: skip
            except TimeoutError as exc:
                print(f"  {name:9} FAILED: {exc}{log_tail(sandbox.root, 8)}")
                return
            finally:
                sandbox.stop()

    port = _free_port()
    etc = sandbox.etc_dir

    def reload_boot() -> tuple[float, AmiCredentials]:
        return _boot(sandbox, {"pjsip.conf": base}, MODULES, port)

    def reload_add(credentials: AmiCredentials) -> None:
        (etc / "pjsip.conf").write_text(more, encoding="utf-8")
        asyncio.run(_reload_pjsip(credentials))

    measure("reload", reload_boot, reload_add)

    common, templates, shard_files = _split(base, args.shards)
    _c, _t, shard_more = _split(more, args.shards)
    new_shard = next(n for n in shard_files if shard_files[n] != shard_more[n])

    def shards_boot() -> tuple[float, AmiCredentials]:
        files = {
            "pjsip.conf": "#include pbx-phone-templates.conf\n\n" + common,
            "pbx-phone-templates.conf": templates,
            "sorcery.conf": _sorcery_shards(args.shards),
            **{f"pbx-phones-{n}.conf": text for n, text in shard_files.items()},
        }
        return _boot(sandbox, files, MODULES, port)

    def shards_add(credentials: AmiCredentials) -> None:
        (etc / f"pbx-phones-{new_shard}.conf").write_text(shard_more[new_shard], encoding="utf-8")
        asyncio.run(_reload_pjsip(credentials))

    measure("shards", shards_boot, shards_add)

    db_path = sandbox.root / DB_INSIDE.lstrip("/")
    db: list[sqlite3.Connection] = []

    def realtime_boot() -> tuple[float, AmiCredentials]:
        db[:] = [_create_db(db_path)]
        clock = time.perf_counter()
        _write_rows(db[0], phones)
        print(f"  realtime: writing the {len(phones)} phones' rows took "
              f"{(time.perf_counter() - clock) * 1000:.0f} ms")  # fmt: skip
        chown_inside(sandbox.root, [db_path.parent])
        pjsip = "".join(b for b in _blocks(base) if not _PHONE_BLOCK.match(b.split("\n", 1)[0]))
        return _boot(sandbox, {"pjsip.conf": pjsip, **REALTIME_CONF}, REALTIME_MODULES, port)

    def realtime_add(_credentials: AmiCredentials) -> None:
        _write_rows(db[0], [new_phone])

    measure("realtime", realtime_boot, realtime_add)
    for name, values in results.items():
        print(f"{name:9} new phone registered after {statistics.median(values) * 1000:7.1f} ms "
              f"(median of {len(values)}; target <= 200 ms)")  # fmt: skip


# -- the controller's apply ---------------------------------------------------------------


def run_apply(args: argparse.Namespace, sandbox: AsteriskSandbox) -> None:
    sandbox.start(TOP_LEVEL, "bench", secrets.token_urlsafe(18), _free_port())
    try:
        with tempfile.TemporaryDirectory(prefix="pbx-bench-") as tmp:
            asyncio.run(_run_apply(args, sandbox, Path(tmp)))
    finally:
        sandbox.stop()


def _import(settings: Settings, company: dict[str, Any]) -> float:
    text = yaml.dump(company, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    engine = make_engine(settings.effective_database_url)
    start = time.perf_counter()
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text))
    engine.dispose()
    return time.perf_counter() - start


async def _own_reload(settings: Settings, modules: list[Module], marker: str) -> float:
    """Asterisk's own reload of ``modules`` over AMI, one after the other, until it answers
    about the PJSIP marker (a large PJSIP reload finishes after the action's answer)."""
    async with await AmiSession.open(service.ami_credentials(settings), events=False) as ami:
        start = time.perf_counter()
        for module in modules:
            action, fields = RELOAD[module]
            response, _ = await ami.send(action, dict(fields), timeout=600)
            if response.get("Response") != "Success":
                raise SystemExit(f"Asterisk's reload of {module} failed: {response}")
        await ami.command(f"pjsip show aor {marker}")
        return time.perf_counter() - start


async def _run_apply(args: argparse.Namespace, sandbox: AsteriskSandbox, data_dir: Path) -> None:
    account = sandbox.ami
    sip = f"127.0.0.1:{_free_port(socket.SOCK_DGRAM)}"
    settings = Settings(
        data_dir=data_dir,
        ami=AmiSettings(host=account.host, port=account.port, username=account.username,
                        secret=SecretStr(account.secret)),
        asterisk=AsteriskSettings(config_dir=sandbox.etc_dir, sip_bind=sip),
    )  # fmt: skip
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    company: dict[str, Any] = large_company(args.extensions, 500, 500)
    company["trunks"][0]["host"] = "127.0.0.2"  # matched by address: away from the phones
    for ext in company["extensions"]:
        ext["phone"] = {"password": _password(ext["number"])}
    print(f"dataset: {args.extensions} extensions (bench/dataset.py); "
          f"import {_import(settings, company):.1f} s; SIP on {sip}")  # fmt: skip
    directory = service.generated_dir(settings)
    modules = list(dict.fromkeys(spec.module for spec in FILES))
    applied: list[service.Applied] = []

    async def apply() -> float:
        start = time.perf_counter()
        applied.append(await service.apply_from_database(settings, engine))
        seconds = time.perf_counter() - start
        if applied[-1].report.outcome is not Outcome.APPLIED:
            raise SystemExit(f"apply failed:\n{applied[-1].report.render()}")
        return seconds

    async def empty() -> None:
        """Asterisk with nothing applied: no files, no phone rows, no render cache."""
        shutil.rmtree(directory / LAST_GOOD, ignore_errors=True)
        (directory / STATE_FILE).unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"{CACHE_FILE}{suffix}").unlink(missing_ok=True)
        clear_phone_rows(directory)
        for spec in FILES:
            (directory / spec.name).write_text("; empty\n", encoding="utf-8")
        await _own_reload(settings, modules, "pbx-meta-none")

    classic = service.render_from_database(settings, engine)  # every phone in pjsip.conf
    marker = re.search(r"^\[(pbx-meta-[0-9a-f]+)\]", classic["pjsip.conf"], re.MULTILINE)
    assert marker is not None
    fulls, owns, realtimes = [], [], []
    for _ in range(0 if args.new_phones_only else args.runs):
        await empty()
        fulls.append(await apply())
        phases = applied[-1].seconds
        written = {spec.name: (directory / spec.name).read_text() for spec in FILES}
        rows = read_phone_rows(directory)
        # Asterisk's own load of the same configuration as files (every phone in pjsip.conf).
        await empty()
        for name, text in classic.items():
            write_atomically(directory, name, text)
        owns.append(await _own_reload(settings, modules, marker.group(1)))
        # ... and as the apply leaves it: the same rows bulk-inserted, the same files.
        await empty()
        start = time.perf_counter()
        bulk_insert(directory, rows)
        for name, text in written.items():
            write_atomically(directory, name, text)
        applied_marker = re.search(r"^\[(pbx-meta-[0-9a-f]+)\]", written["pjsip.conf"], re.M)
        assert applied_marker is not None
        await _own_reload(settings, modules, applied_marker.group(1))
        realtimes.append(time.perf_counter() - start)
        print(f"  full apply {fulls[-1]:6.2f} s ("
              + ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
              + f"; phone rows and files written {applied[-1].report.write_seconds:.2f})"
              + f"; Asterisk's own reload of the same configuration as files {owns[-1]:6.2f} s"
              + f", as rows + files {realtimes[-1]:6.2f} s")  # fmt: skip
    if fulls:
        _print_full(args, fulls, owns, realtimes)
    await empty()
    await apply()
    # Asterisk keeps walking the phones after a res_pjsip reload (qualify and endpoint state
    # bookkeeping): wait until that is over, as on a site that did not just load everything.
    async with await AmiSession.open(service.ami_credentials(settings), events=False) as ami:
        start = time.perf_counter()
        await ami.send("Command", {"Command": "pjsip reload qualify aor 20000"}, timeout=600)
        print(f"Asterisk's work after the full apply's res_pjsip reload: "
              f"{time.perf_counter() - start:.1f} s more")  # fmt: skip
    await _new_phones(args, settings, company, sip, apply, applied)


def _print_full(args: argparse.Namespace, fulls: list[float], owns: list[float],
                realtimes: list[float]) -> None:  # fmt: skip
    full, own = statistics.median(fulls), statistics.median(owns)
    realtime = statistics.median(realtimes)
    print(f"full apply {full:.2f} s / Asterisk's own reload of the files with every phone "
          f"{own:.2f} s = {full / own:.2f}x; / the same rows bulk-inserted and the same files "
          f"reloaded {realtime:.2f} s = {full / realtime:.2f}x "
          f"(medians of {args.runs}; target <= 1.1x)")  # fmt: skip


async def _new_phones(
    args: argparse.Namespace,
    settings: Settings,
    company: dict[str, Any],
    sip: str,
    apply: Callable[[], Awaitable[float]],
    applied: list[service.Applied],
) -> None:
    after_apply, after_start, incremental = [], [], []
    for n in range(args.runs):
        number = str(39990 + n)
        company["extensions"].append({"number": number, "name": f"New desk {n}",
                                      "phone": {"password": _password(number)}})  # fmt: skip
        _import(settings, company)
        start = time.perf_counter()
        seconds = await apply()
        done = time.perf_counter()
        until_registered(sip, number, _password(number), limit=120)
        registered = time.perf_counter()
        report = applied[-1].report
        if Module.PJSIP in report.reloaded:
            raise SystemExit(f"a new phone reloaded res_pjsip:\n{report.render()}")
        incremental.append(seconds)
        after_apply.append(registered - done)
        after_start.append(registered - start)
        print(f"  new phone {number}: apply {seconds * 1000:7.1f} ms "
              f"({'everything' if applied[-1].full else 'incremental'}; "
              f"changed {', '.join(report.changed)}; reloaded "
              f"{', '.join(m.value for m in report.reloaded) or 'nothing'}); registered "
              f"{after_apply[-1] * 1000:6.1f} ms after it returned, "
              f"{after_start[-1] * 1000:7.1f} ms after it began")  # fmt: skip
    print(f"new phone registered {statistics.median(after_apply) * 1000:.1f} ms after its apply "
          f"returned (median of {args.runs}; target <= 200 ms), "
          f"{statistics.median(after_start) * 1000:.1f} ms after it began; apply "
          f"{statistics.median(incremental) * 1000:.1f} ms")  # fmt: skip
    # The rows are written before the files' reloads: a phone that keeps trying from the
    # moment the apply begins gets in before the apply has returned.
    during = []
    for n in range(args.runs):
        number = str(39980 + n)
        company["extensions"].append({"number": number, "name": f"Eager desk {n}",
                                      "phone": {"password": _password(number)}})  # fmt: skip
        _import(settings, company)
        start = time.perf_counter()

        def attempt(number: str = number) -> float:
            until_registered(sip, number, _password(number), 120)
            return time.perf_counter()

        trying = asyncio.create_task(asyncio.to_thread(attempt))
        seconds = await apply()
        took = await trying - start
        during.append(took)
        print(f"  new phone {number}, REGISTER after REGISTER from the apply's start: registered "
              f"{took * 1000:7.1f} ms after the apply began; the apply took {seconds * 1000:7.1f} ms")  # fmt: skip
    print(f"a phone registering all along got in {statistics.median(during) * 1000:.1f} ms after "
          f"its apply began (median of {args.runs})")  # fmt: skip


# -- what one res_pjsip reload costs Asterisk with 10,000 phones ------------------------------


def run_reloads(args: argparse.Namespace, sandbox: AsteriskSandbox) -> None:
    """Asterisk's CPU and wall time for ``module reload res_pjsip.so`` with the phones as the
    controller writes them (realtime rows, ``phone_rows.connect``'s tables) and, for
    comparison, in ``pjsip.conf``: the first reload loads them into an Asterisk booted
    without phones, the next ones find nothing changed (a trunk edit reloads the same way)."""
    sip = f"127.0.0.1:{_free_port(socket.SOCK_DGRAM)}"
    text, _views = _render(args.extensions, sip, extra=False)
    parts = phone_rows.split(text)
    rows = phone_rows.rows_of(parts.templates, parts.sections)
    port = _free_port()
    for layout in ("realtime", "pjsip.conf"):
        # Booted with everything but the phones (transports, trunks), no phone rows.
        no_phones = {"pjsip.conf": f"#include {GENERATED_DIR}/pjsip.conf\n",
                     f"{GENERATED_DIR}/pjsip.conf": parts.pjsip}  # fmt: skip
        sandbox.start(no_phones, "bench", secrets.token_urlsafe(18), port)
        try:
            generated = sandbox.etc_dir / GENERATED_DIR
            if layout == "realtime":
                bulk_insert(generated, rows)
            else:
                (generated / "pjsip.conf").write_text(text, encoding="utf-8")
            for n in range(args.runs + 1):
                cpu, start = _process_cpu(sandbox.pid), time.perf_counter()
                sandbox.cli("module reload res_pjsip.so", timeout=900)
                wall, cpu = time.perf_counter() - start, _process_cpu(sandbox.pid) - cpu
                print(f"  phones {'as rows' if layout == 'realtime' else 'in pjsip.conf'}: "
                      f"{'first load' if n == 0 else 'unchanged  '} module reload res_pjsip.so "
                      f"{wall:6.2f} s wall, Asterisk CPU {cpu:5.2f} s")  # fmt: skip
        finally:
            sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extensions", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--new-phones-only", action="store_true", help="apply: skip the full-apply comparison"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["apply"],
        choices=["apply", "reload", "shards", "realtime", "reloads"],
        help="which to measure",
    )
    args = parser.parse_args()
    settings = load_settings()
    ensure_built(
        settings.sandbox_root,
        settings.sandbox.mirror or host_mirror(),
        suite=settings.sandbox.suite,
    )
    sandbox = AsteriskSandbox(settings.sandbox_root, boot_timeout=180)
    if "apply" in args.variants:
        run_apply(args, sandbox)
    if "reloads" in args.variants:
        run_reloads(args, sandbox)
    if set(args.variants) - {"apply", "reloads"}:
        run(args, sandbox)


if __name__ == "__main__":
    main()
