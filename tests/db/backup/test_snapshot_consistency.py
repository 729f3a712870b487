"""A backup taken while another connection keeps writing history sees one snapshot."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import Engine, func, select

from controller.backup.dump import BackupSources, create_backup
from controller.backup.progress import SilentProgress
from controller.backup.restore import RestoreTargets, restore_backup
from controller.db import models as m
from controller.db.engine import session_factory

AT = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


class HistoryWriter(threading.Thread):
    """Writes calls, each with two legs and a handling, one transaction per call."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.factory = session_factory(engine)
        self.committed = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._write_one_call(self.committed)
                with self.changed:
                    self.committed += 1
                    self.changed.notify_all()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _write_one_call(self, n: int) -> None:
        with self.factory() as session, session.begin():
            call = m.Call(server_id="pbx1", linkedid=f"load-{n}", direction="inbound",
                          started_at=AT, local_date=AT.date(), local_hour=5)  # fmt: skip
            session.add(call)
            session.flush()
            for queue in ("sales", "support"):
                session.add(
                    m.QueueLeg(call_id=call.id, queue_name=queue, entry_channel_uid=f"u{n}",
                               entered_at=AT, wait_ms=n, local_date=AT.date(), local_hour=5)
                )  # fmt: skip
            session.add(m.Handling(call_id=call.id, agent_code="8001", channel_uid=f"a{n}",
                                   talk_start=AT, local_date=AT.date()))  # fmt: skip

    def wait_for_more(self, timeout: float = 10.0) -> None:
        with self.changed:
            seen = self.committed
            assert self.changed.wait_for(lambda: self.committed > seen, timeout), "writer stuck"


class WaitAfterEachTable(SilentProgress):
    """Lets the writer commit between the tables the backup reads."""

    def __init__(self, writer: HistoryWriter) -> None:
        super().__init__()
        self.writer = writer
        self.waits = 0

    def rows(self, table: str, done: int, total: int) -> None:
        if done >= total:
            self.writer.wait_for_more()
            self.waits += 1


def test_a_backup_during_writes_holds_whole_calls_only(engine: Engine, tmp_path: Path) -> None:
    writer = HistoryWriter(engine)
    writer.start()
    writer.wait_for_more()
    progress = WaitAfterEachTable(writer)
    try:
        summary = create_backup(
            engine, tmp_path / "b.zip", BackupSources(tmp_path, None, "pbx1"), progress
        )
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None
    rows = {table.name: table.rows for table in summary.manifest.tables}
    assert progress.waits >= 3  # the writer committed after call, queue_leg and handling
    assert rows["call"] > 0
    assert rows["queue_leg"] == 2 * rows["call"]
    assert rows["handling"] == rows["call"]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(m.Call)) > rows["call"]

    # And it restores: no leg whose call the snapshot did not see.
    targets = RestoreTargets(
        f"sqlite:///{tmp_path / 'r.sqlite3'}", tmp_path / "r", tmp_path, "pbx1"
    )
    restored = restore_backup(summary.path, targets)
    assert restored.manifest.total_rows == sum(rows.values())
