"""The spool: a segment written later supersedes the events of older ones from its first seq."""

from __future__ import annotations

from pathlib import Path

from trackrecord.record.events import GENESIS, Event
from trackrecord.record.framing import encode_event
from trackrecord.spool import read_spool


def chain(first: int, count: int, text: str, prev: str = GENESIS) -> list[Event]:
    events = []
    for seq in range(first, first + count):
        event = Event.build("r", seq, "notes", 0, prev, {"text": f"{text}{seq}"})
        events.append(event)
        prev = event.hash
    return events


def segment(directory: Path, first: int, written: int, events: list[Event]) -> None:
    path = directory / f"{first:012d}-{written}.log"
    path.write_bytes(b"".join(encode_event(e) for e in events))


def texts(directory: Path) -> list[str]:
    return [str(e.body["text"]) for e in read_spool(directory)]


def test_a_later_segment_supersedes_older_events_from_its_first_seq(tmp_path: Path) -> None:
    old = chain(1, 5, "old")
    segment(tmp_path, 1, 100, old)
    segment(tmp_path, 3, 200, chain(3, 2, "new", old[1].hash))  # chained anew from seq 3
    assert texts(tmp_path) == ["old1", "old2", "new3", "new4"]


def test_an_empty_later_segment_hides_what_older_ones_hold_from_its_seq(tmp_path: Path) -> None:
    segment(tmp_path, 1, 100, chain(1, 3, "old"))
    segment(tmp_path, 3, 200, [])  # event 3 was set aside; nothing was chained after it yet
    assert texts(tmp_path) == ["old1", "old2"]


def test_segments_in_order_each_keep_their_events(tmp_path: Path) -> None:
    events = chain(1, 6, "e")
    segment(tmp_path, 1, 100, events[:3])
    segment(tmp_path, 4, 200, events[3:])
    assert texts(tmp_path) == [f"e{i}" for i in range(1, 7)]
    (tmp_path / "other.log").write_bytes(encode_event(chain(7, 1, "x", events[-1].hash)[0]))
    assert texts(tmp_path)[-1] == "x7"  # a segment not named by a writer supersedes nothing
