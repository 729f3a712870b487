"""Reading Asterisk's records: the CEL layout we ask for, queue_log, files read backwards
(rotated ones too), and which calls a gap needs."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from controller.recovery import cel, queue_log
from controller.recovery.files import lines_backwards, rotated, scan_backwards
from controller.recovery.recover import SLACK, RecordFiles, read_families

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "recovery"

ROW = (
    '"PBX","1796288010.945986","张 伟","13012340001","s","pbx-mark","Local/w15@x-0000000f;1",'
    '"CELGenUserEvent","PBX,_context=pbx-queue-sales","w-1","w-1","","PBX",'
    '"{""extra"":""_context=pbx-queue-sales&PBX_REGION=%E5%8C%97%E4%BA%AC&PBX_VIP=1""}"'
)


def test_a_cel_line_in_our_layout() -> None:
    row = cel.parse_line(ROW)
    assert (row.event, row.at, row.cid_name, row.uniqueid) == ("PBX", 1796288010.945986, "张 伟",
                                                               "w-1")  # fmt: skip
    assert row.attributes() == {
        "_context": "pbx-queue-sales", "PBX_REGION": "北京", "PBX_VIP": "1",
    }  # fmt: skip
    assert cel.line_time(ROW) == row.at


@pytest.mark.parametrize("line", ['"HANGUP","x"', '"HANGUP","notatime"' + ',""' * 12, ""])
def test_lines_not_in_our_layout_are_refused(line: str) -> None:
    with pytest.raises(cel.CelFormatError):
        cel.parse_line(line)


def test_the_mapping_asterisk_is_given_matches_the_parser() -> None:
    mapping = cel.cel_custom_conf(extend=False).splitlines()[-1]
    assert mapping.count("CSV_QUOTE") == len(cel.FIELDS)
    assert mapping.startswith(Path(cel.CEL_FILE).name + " => ")
    assert "[general](+)" in cel.cel_conf(extend=True)
    assert "[general]\n" in cel.cel_conf(extend=False)


def test_queue_log_lines() -> None:
    line = queue_log.parse_line("1796288015|cb-1|sales|NONE|EXITWITHKEY|5|2|2|3\n")
    assert (line.at, line.callid, line.event, line.field(0), line.number(3)) == (
        1796288015, "cb-1", "EXITWITHKEY", "5", 3,
    )  # fmt: skip
    assert line.field(9) == ""
    assert line.number(9) is None
    with pytest.raises(queue_log.QueueLogFormatError):
        queue_log.parse_line("garbage")


def test_files_are_read_backwards_without_a_half_written_last_line(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    lines = [f"{1000 + n}|c{n}|q|NONE|ENTERQUEUE||1|1" for n in range(20_000)]
    path.write_text("\n".join(lines) + "\n1020000|c|q|NONE|ENT")  # Asterisk writing it now
    assert list(lines_backwards(path)) == lines[::-1]


def test_rotated_files_come_after_the_current_one(tmp_path: Path) -> None:
    current, older, oldest = (
        tmp_path / "queue_log",
        tmp_path / "queue_log.1",
        tmp_path / "queue_log.2.gz",
    )
    with gzip.open(oldest, "wt") as handle:
        handle.write("1|a|q|NONE|ENTERQUEUE\n2|b|q|NONE|ENTERQUEUE\n")
    older.write_text("3|c|q|NONE|ENTERQUEUE\n")
    current.write_text("4|d|q|NONE|ENTERQUEUE\n")
    (tmp_path / "queue_log.bak").write_text("9|z|q|NONE|ENTERQUEUE\n")  # not a rotation
    for age, path in enumerate((oldest, older, current)):
        os.utime(path, (1000 + age, 1000 + age))
    assert rotated(current) == [current, older, oldest]
    times = [at for at, _ in scan_backwards(current, queue_log.line_time)]
    assert times == [4.0, 3.0, 2.0, 1.0]


def _log_dir(tmp_path: Path) -> RecordFiles:
    files = RecordFiles.in_log_dir(tmp_path)
    files.cel.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "outcomes.cel.csv", files.cel)
    shutil.copy(FIXTURES / "outcomes.queue_log", files.queue_log)
    return files


def test_a_gap_reads_each_call_back_to_its_start(tmp_path: Path) -> None:
    files = _log_dir(tmp_path)
    rows = [cel.parse_line(line) for line in files.cel.read_text().splitlines()]
    hangup = next(r for r in rows if r.event == "HANGUP" and r.linkedid.startswith("transferred"))
    # A gap that starts while the transferred call talks: it is read whole; a call is read
    # only when it has a record in the gap (or a few seconds before: SLACK).
    since = hangup.at + 0.001
    families = read_families(files, since=since, until=since + 0.001)
    (family,) = [f for f in families if hangup.linkedid in f.linkedids]
    assert family.whole()
    assert family.rows[0].event == "CHAN_START"
    assert all(a.at <= b.at for a, b in zip(family.rows, family.rows[1:], strict=False))
    assert all(f.rows[-1].at >= since - SLACK for f in families)
    assert len(families) < len({r.linkedid for r in rows})


def test_a_live_call_is_read_even_without_a_gap(tmp_path: Path) -> None:
    files = _log_dir(tmp_path)
    last = max(cel.line_time(line) or 0 for line in files.cel.read_text().splitlines())
    families = read_families(files, since=None, until=last + 1, seeds={"busy-88003384"})
    assert [sorted(f.linkedids) for f in families] == [["busy-88003384"]]
    assert families[0].whole()


def test_queue_log_lines_go_with_their_calls(tmp_path: Path) -> None:
    files = _log_dir(tmp_path)
    families = read_families(files, since=0.0, until=2e9)
    lines = {lid: [line.event for line in f.lines] for f in families for lid in f.linkedids}
    assert lines["callback-88011852"] == ["ENTERQUEUE", "EXITWITHKEY"]
    assert lines["answered-87995287"] == []
