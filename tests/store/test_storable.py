"""U+0000 where the databases cannot hold it: every write stores U+FFFD in its place, on both databases alike,
through the raw statements, SQLAlchemy's and the JSON documents."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import select

from romas.store.eventstore import Change, NewEvent, Store, WriteContext
from romas.store.raw import document
from romas.store.storable import storable_args, storable_json, storable_parameters, storable_text
from romas.store.tables import idempotency_keys

pytestmark = pytest.mark.anyio


def test_an_escaped_nul_in_json_is_replaced_and_an_escaped_backslash_before_u0000_is_not() -> None:
    assert msgspec.json.decode(document({"a": "x\x00y"})) == {"a": "x\ufffdy"}
    assert msgspec.json.decode(document({"k\x00": ["\x00\x00"]})) == {"k\ufffd": ["\ufffd\ufffd"]}
    literal = document({"a": "\\u0000"})  # a backslash and the letters u0000, not a NUL
    assert storable_json(literal) == literal
    assert msgspec.json.decode(storable_json(document({"a": "\\\x00"}))) == {"a": "\\\ufffd"}
    plain = document({"a": "nothing to change"})
    assert storable_json(plain) is plain


def test_text_parameters_are_replaced_and_untouched_ones_are_the_same_objects() -> None:
    args = ("a", 1, None, b"\x00")
    assert storable_args(args) is args
    assert storable_args(("a\x00", 2)) == ("a\ufffd", 2)
    assert storable_args((["a", "b\x00", None], 2)) == (["a", "b\ufffd", None], 2)
    arrays = (["a", None], [1, 2])
    assert storable_args(arrays) is arrays
    assert storable_text("\x00") == "\ufffd"
    assert storable_parameters({"x": "a\x00", "y": 3}) == {"x": "a\ufffd", "y": 3}
    assert storable_parameters([("a\x00",), ("b",)]) == [("a\ufffd",), ("b",)]


async def test_every_write_path_stores_the_replacement_character(store: Store) -> None:
    async with store.write(WriteContext(actor="alice")) as writer:
        await writer.append([NewEvent("note", "/notes/1", "note.made", {"text": "a\x00b"}, 0)])
        _, recorded = await writer.record(
            Change(
                stream_id="/workspaces/w",
                stream_type="workspace",
                parent="",
                name="w",
                expected_revision=0,
                event_type="workspace.created",
                data={"description": "d\x00"},
                state={"description": "d\x00"},
                summary="made \x00",
            )
        )
        await writer.execute(
            idempotency_keys.insert().values(
                principal="p",
                key="k\x00",
                method="PUT",
                path="/x",
                fingerprint="f",
                status=200,
                headers={"h\x00": "v\x00"},
                body=b"\x00",
                created_at=recorded.recorded_at,
            )
        )
    events = await store.read_events(after=0, limit=10)
    assert [e.data for e in events] == [{"text": "a\ufffdb"}, {"description": "d\ufffd"}]
    row = await store.current("/workspaces/w")
    assert row is not None and row.state == {"description": "d\ufffd"}
    (info,) = (await store.history("/workspaces/w", before=None, limit=10))[:1]
    assert info.summary == "made \ufffd"
    async with store.reads.connect() as connection:
        stored = (await connection.execute(select(idempotency_keys))).mappings().one()
    assert (stored["key"], stored["headers"], bytes(stored["body"])) == ("k\ufffd", {"h\ufffd": "v\ufffd"}, b"\x00")
