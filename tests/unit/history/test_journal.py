"""The write-ahead journal and the writer on top of it: nothing is lost to a crash, an outage
or the memory bound, and nothing is written twice."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from controller.ami.live import LiveState
from controller.ami.replay import messages, replay
from controller.ami.tracker import AgentInterval, FinishedCall, RawEvent, Tracker
from controller.history import codec
from controller.history.journal import WATERMARK, HistoryJournal
from controller.history.writer import HistoryWriter
from tests.unit.ami.test_tracker_transcripts import transcript
from tests.unit.history.test_writer import Database, interval, until


def transferred_call() -> FinishedCall:
    tracker = Tracker("s1")
    replay(transcript("transfer"), tracker)
    (call,) = tracker.drain().finished
    return call


def test_records_survive_the_round_trip_through_json() -> None:
    call = transferred_call()
    assert call.handlings  # a rich record: nested tuples of records
    assert call.legs
    assert call.transfers
    raw = RawEvent("s1", 1.5, "Hold", "L1", "U1", (("Event", "Hold"), ("Channel", "PJSIP/1")))
    records = [call, interval(3), raw]
    for seq, item in enumerate(records, 1):
        assert codec.loads(codec.dumps(seq, item)) == (seq, item)


def test_a_line_is_the_json_of_the_plain_record() -> None:
    """dumps builds the line in the JSON encoder (records through its default): the same
    text as the record turned into plain dicts and lists first."""
    call = transferred_call()
    raw = RawEvent("s1", 1.5, "Hold", "L1", "U1", (("Event", "Hold"), ("Caller", "赵明")))
    for seq, item in enumerate([call, interval(3), raw], 1):
        plain = json.dumps([seq, codec.encode(item)], ensure_ascii=False, separators=(",", ":"))
        assert codec.dumps(seq, item) == (plain + "\n").encode()


def test_a_field_added_by_an_upgrade_gets_its_default() -> None:
    line = codec.dumps(1, transferred_call()).replace(b',"source":"live"', b"")
    _, item = codec.loads(line)
    assert isinstance(item, FinishedCall)
    assert item.source == "live"


def test_unreadable_lines_are_refused() -> None:
    for line in (b"not json\n", b'[1,{"kind":"nope","record":{}}]\n', b'[1,{"kind":"call"}]\n'):
        with pytest.raises(codec.JournalFormatError):
            codec.loads(line)


def test_what_was_not_committed_comes_back_after_a_crash(tmp_path: Path) -> None:
    journal = HistoryJournal(tmp_path / "journal")
    assert journal.open() == []
    seqs = journal.append([interval(n) for n in range(5)])
    journal.committed(seqs[:2])
    # kill -9: no close(), no flush; the next start reads the directory.
    again = HistoryJournal(tmp_path / "journal")
    assert (
        again.open()
        == [  # only what was not committed
            (seq, interval(n)) for seq, n in zip(seqs[2:], range(2, 5), strict=True)
        ]
    )
    assert again.append([interval(9)]) == [seqs[-1] + 1]  # numbering goes on


def test_committed_segments_are_deleted_and_files_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    journal = HistoryJournal(directory, segment_records=3)
    journal.open()
    seqs = journal.append([interval(n) for n in range(7)])  # one write: rotates after it
    files = list(directory.glob("v1-*.jsonl"))
    assert files
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    journal.committed(seqs)
    assert list(directory.glob("v1-*.jsonl")) == []


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    journal = HistoryJournal(tmp_path)
    journal.open()
    journal.append([interval(1), interval(2)])
    (segment,) = tmp_path.glob("v1-*.jsonl")
    with segment.open("ab") as handle:
        handle.write(codec.dumps(3, interval(3))[:20])  # killed in the middle of a write
    assert [item for _, item in HistoryJournal(tmp_path).open()] == [interval(1), interval(2)]


def test_the_watermark_is_stored_at_a_checkpoint(tmp_path: Path) -> None:
    journal = HistoryJournal(tmp_path)
    journal.open()
    assert journal.read_watermark() is None
    journal.note_watermark(1234.5)
    assert not (tmp_path / WATERMARK).exists()  # only after the records are on disk
    journal.checkpoint()
    assert HistoryJournal(tmp_path).read_watermark() == 1234.5


@pytest.mark.asyncio
async def test_a_crash_during_a_database_outage_loses_nothing(tmp_path: Path) -> None:
    db = Database()
    db.down = True
    journal = HistoryJournal(tmp_path)
    journal.open()
    writer = HistoryWriter(db.write, journal=journal, flush_interval=0.01, min_backoff=0.01)
    task = asyncio.create_task(writer.run())
    writer.submit([interval(n) for n in range(10)])
    await until(lambda: writer.stats.failures >= 2)
    task.cancel()  # the process dies: nothing is drained
    db.down = False
    restarted = HistoryJournal(tmp_path)
    writer = HistoryWriter(db.write, journal=restarted, flush_interval=0.01)
    writer.resubmit(restarted.open())
    task = asyncio.create_task(writer.run())
    await until(lambda: writer.pending == 0)
    writer.stop()
    await task
    assert db.rows == [interval(n) for n in range(10)]
    assert HistoryJournal(tmp_path).open() == []  # all committed: nothing left to replay


@pytest.mark.asyncio
async def test_records_past_the_memory_bound_wait_in_the_journal(tmp_path: Path) -> None:
    db = Database()
    db.down = True
    journal = HistoryJournal(tmp_path)
    journal.open()
    writer = HistoryWriter(
        db.write, journal=journal, max_buffer=5, batch_size=5, flush_interval=0.01,
        min_backoff=0.01, max_backoff=0.02,
    )  # fmt: skip
    task = asyncio.create_task(writer.run())
    writer.submit([interval(n) for n in range(12)])
    assert writer.pending == 5
    assert writer.stats.spilled == 7
    assert writer.stats.dropped == 0
    db.down = False
    await until(lambda: len(db.rows) == 12)
    writer.stop()
    await task
    assert sorted(db.rows, key=lambda r: r.started_at) == [interval(n) for n in range(12)]


@pytest.mark.asyncio
async def test_without_a_journal_the_bound_drops_and_counts() -> None:
    db = Database()
    db.down = True
    writer = HistoryWriter(db.write, max_buffer=5)
    writer.submit([interval(n) for n in range(8)])
    assert (writer.pending, writer.stats.dropped) == (5, 3)


def test_agent_interval_type_is_kept() -> None:
    item = AgentInterval("s", "8001", "sales", "paused", "lunch", 1.0, 2.0, "QueueMemberPause")
    assert codec.loads(codec.dumps(7, item))[1] == item


def test_a_verbatim_event_is_written_as_the_encoder_would() -> None:
    """Its pairs are joined without the encoder when nothing needs escaping: every shape gives
    the same line as the record turned into plain dicts and lists first."""
    shapes = [
        (("Event", "AgentConnect"), ("Queue", "sales"), ("CallerIDName", "赵明")),
        (("Event", "Hold"), ("MusicClass", 'say "hi"')),
        (("Event", "Hold"), ("Path", "C:\\rec")),
        (("Event", "Hold"), ("Note", "a\tb\nc\x01")),
        (),
        (("Event", ""), ("", "")),
        (("Event", "Hold"), ()),
        (("Event", "Hold"), ("Variable", "A=1", "B=2")),
        (["Event", "Hold"],),
        (("Event", "Hold"), ("Count", 3)),  # type: ignore[arg-type]
        (("Event", "Hold"), "ab"),  # type: ignore[arg-type]
    ]
    odd = [("s1", 1.5, "Hold", None, None), ("s\\1", 1.5, "Hold", "L1", "U1"),
           ("s1", 1.5, 'Ho"ld', "L1", "U1"), ("s1", 1.5, "Hold", "", "U\n1"),
           ("s1", 2, "Hold", "L1", "U1"), ("s1", float("nan"), "Hold", "L1", "U1"),
           ("s1", 1e21, "Hold", 0, 7), ("s1", 1.5, "Hold", "赵明", "U1")]  # fmt: skip
    records = [("s1", 1.5 + n, "Hold", "L1", "U1", fields) for n, fields in enumerate(shapes)]
    records += [(*head, shapes[0]) for head in odd]
    for seq, fields in enumerate(records, 1):
        raw = RawEvent(*fields)  # type: ignore[arg-type]
        plain = json.dumps([seq, codec.encode(raw)], ensure_ascii=False, separators=(",", ":"))
        assert codec.dumps(seq, raw) == (plain + "\n").encode(), fields
    assert (
        codec.dumps(True, raw)
        == (  # type: ignore[arg-type]
            json.dumps([True, codec.encode(raw)], ensure_ascii=False, separators=(",", ":")) + "\n"
        ).encode()
    )


@pytest.mark.asyncio
async def test_records_wait_for_the_next_write_on_disk_in_the_journal(tmp_path: Path) -> None:
    """While records keep coming the database is written once per write_interval (or once a
    batch is full), and the journal is synced every flush_interval meanwhile."""
    db = Database()
    journal = HistoryJournal(tmp_path)
    journal.open()
    writer = HistoryWriter(db.write, journal=journal, batch_size=3, flush_interval=0.01,
                           write_interval=3600)  # fmt: skip
    task = asyncio.create_task(writer.run())
    writer.submit([interval(1)])
    await until(lambda: db.rows == [interval(1)])
    writer.submit([interval(2)])
    assert journal.checkpoint_due
    await until(lambda: not journal.checkpoint_due)  # on disk, not in the database yet
    assert (db.rows, writer.pending) == ([interval(1)], 1)
    writer.submit([interval(3), interval(4)])  # a full batch is written at once
    await until(lambda: len(db.rows) == 4)
    assert db.calls == 2
    writer.stop()
    await task
    assert await writer.drain() == 0


@pytest.mark.asyncio
async def test_a_batch_of_events_is_journaled_in_one_write(tmp_path: Path) -> None:
    """LiveState hands the history sink a batch's verbatim events with the tracker's records:
    one append (one write) for both, events first, as when they were two appends."""
    journal = HistoryJournal(tmp_path / "journal")
    journal.open()
    appends: list[list[str]] = []
    append = journal.append

    def counted(items: list[codec.Item]) -> list[int]:
        appends.append([type(item).__name__ for item in items])
        return append(items)

    journal.append = counted  # type: ignore[method-assign]
    writer = HistoryWriter(Database().write, journal=journal)
    tracker = Tracker("s1")
    live = LiveState(tracker)
    live.history_sink = writer.submit_flush
    for number, message in enumerate(messages(transcript("answered")), 1):
        live.on_message(message, float(number))
    live.flush()
    assert len(appends) == 1
    kinds = appends[0]
    assert {"RawEvent", "FinishedCall"} <= set(kinds)
    assert kinds == sorted(kinds, key=lambda kind: kind != "RawEvent")  # events first
    journal.close()
    left = HistoryJournal(tmp_path / "journal").open()
    assert [type(item).__name__ for _, item in left] == kinds
