"""The runtime's tail of the log answers an event stream's read only when it holds every event the read asks for,
and then exactly what the database would."""

from __future__ import annotations

from datetime import UTC, datetime

from romas.runtime.tail import Tail, jsonb_order
from romas.store.eventstore import RecordedEvent

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _event(position: int, stream_type: str = "message", stream_id: str = "/agents/a/inbox/m") -> RecordedEvent:
    return RecordedEvent(position, stream_type, stream_id, 1, f"{stream_type}.x", {}, {}, T0)


def test_the_tail_answers_only_what_it_holds_entirely() -> None:
    tail = Tail(keep=4)
    assert tail.after(0, 0, 10, None, None) is None  # the follower is not running
    tail.reset(10)
    tail.extend([_event(11), _event(12, "agent", "/agents/a"), _event(14)])  # 13: a rolled-back write
    assert tail.after(9, 14, 10, None, None) is None  # from before its start
    assert tail.after(10, 15, 10, None, None) is None  # through a position it has not reached
    assert [e.position for e in tail.after(10, 14, 10, None, None) or []] == [11, 12, 14]
    assert [e.position for e in tail.after(11, 14, 10, "message", None) or []] == [14]
    assert [e.position for e in tail.after(10, 14, 10, None, "/agents/a") or []] == [12]
    assert [e.position for e in tail.after(10, 14, 2, None, None) or []] == [11, 12]
    assert tail.after(14, 14, 10, None, None) == []
    tail.extend([_event(p) for p in range(15, 21)])  # more than twice ``keep``: the oldest go
    assert tail.after(10, 20, 10, None, None) is None
    assert [e.position for e in tail.after(tail.start, 20, 10, None, None) or []] == list(range(tail.start + 1, 21))
    tail.reset(-1)
    assert tail.after(20, 20, 10, None, None) is None


def test_documents_take_the_key_order_of_postgresql_s_jsonb() -> None:
    ordered = jsonb_order({"status": 1, "id": 2, "é": 3, "agent": {"zz": [{"bb": 1, "a": 2}], "b": 0}, "ab": 4})
    assert list(ordered) == ["ab", "id", "é", "agent", "status"]  # by length in bytes, then by bytes
    assert list(ordered["agent"]) == ["b", "zz"] and list(ordered["agent"]["zz"][0]) == ["a", "bb"]


def test_events_kept_as_written_are_read_back_ordered_once_streamed() -> None:
    tail = Tail(keep=4)
    tail.reset(0)
    written = RecordedEvent(1, "message", "/agents/a/inbox/m", 1, "message.x", {"status": 1, "id": 2}, {"z": 0}, T0)
    tail.extend([written], as_written=True)
    tail.extend([_event(2)])
    (first, second) = tail.after(0, 2, 10, None, None) or []
    assert list(first.data) == ["id", "status"] and first.metadata == {"z": 0}
    assert second is not None and (tail.after(0, 2, 10, None, None) or [])[0] is first, "converted once"
