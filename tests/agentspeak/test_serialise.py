"""Snapshots made for encoding (``embed``): each belief's and plan's JSON kept while it is unchanged, and the
document the same as the plain snapshot's."""

from __future__ import annotations

from itertools import count

import msgspec

from romas.agentspeak import parse_term
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import Message
from romas.agentspeak.serialise import KEPT_ENTRY_BYTES
from romas.agentspeak.terms import Struct
from tests.agentspeak.support import RecordingHost, make_agent, run

PROGRAM = """
count(0).
fact(a, 1, "one").
fact(b, 2, "two").
+!inc <- ?count(C); -+count(C + 1).
+!tag <- +fact(a, 1, "one")[seen].
+!untag <- -fact(a, 1, "one")[seen].
+!drop <- -fact(b, 2, "two").
+!store <- .map.create(M); .map.put(M, k, 1); +held(M).
+!change <- ?held(M); .map.put(M, k, 2).
+!learn <- .add_plan({+!extra <- .print(extra)}).
+!real <- -fact(b, 2, "two"); +fact(b, 2.0, "two").
+!note <- +fact(b, 2.0, "two")[n(1)]; -fact(b, 2.0, "two")[n(1)]; +fact(b, 2.0, "two")[n(1.0)].
"""


class Embedder:
    """Embeds as the runtime does (raw JSON), counting what it is asked to encode."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, value: object) -> msgspec.Raw:
        self.calls += 1
        return msgspec.Raw(msgspec.json.encode(value))


_ids = count()


def achieve(ag: Agent, goal: str) -> None:
    ag.deliver(Message(f"m{next(_ids)}", "bob", "achieve", parse_term(goal), None))
    run(ag)


def test_a_checkpoint_encodes_as_the_plain_snapshot_through_every_kind_of_change() -> None:
    ag = make_agent(PROGRAM, RecordingHost())
    embed = Embedder()
    assert msgspec.json.encode(ag.snapshot(embed)) == msgspec.json.encode(ag.snapshot())
    for goal in ["inc", "tag", "inc", "untag", "real", "note", "drop", "store", "change", "learn", "inc", "change"]:
        achieve(ag, goal)
        assert msgspec.json.encode(ag.snapshot(embed)) == msgspec.json.encode(ag.snapshot()), goal


def test_only_the_beliefs_and_plans_that_changed_are_encoded_again() -> None:
    ag = make_agent(PROGRAM, RecordingHost())
    embed = Embedder()
    ag.snapshot(embed)
    beliefs, plans = ag.beliefs.size, len(ag.plans.plans)
    assert embed.calls == beliefs + plans
    embed.calls = 0
    ag.snapshot(embed)
    assert embed.calls == 0
    achieve(ag, "inc")  # count(0) becomes count(1)
    ag.snapshot(embed)
    assert embed.calls == 1
    embed.calls = 0
    achieve(ag, "tag")  # an annotation more on a belief already there
    ag.snapshot(embed)
    assert embed.calls == 1
    embed.calls = 0
    achieve(ag, "learn")  # a plan more
    ag.snapshot(embed)
    assert embed.calls == 1


def test_a_belief_replaced_by_an_equal_one_of_another_form_is_encoded_again() -> None:
    # fact(b, 2, "two") and fact(b, 2.0, "two") are the same belief for the belief base, not for the checkpoint
    ag = make_agent(PROGRAM, RecordingHost())
    embed = Embedder()
    ag.snapshot(embed)
    achieve(ag, "real")
    achieve(ag, "note")
    beliefs = msgspec.json.decode(msgspec.json.encode(ag.snapshot(embed)))["beliefs"]
    fact_b = next(b for b in beliefs if b["literal"].get("args", [None])[0] == {"atom": "b"})
    assert fact_b["literal"]["args"][1] == 2.0 and isinstance(fact_b["literal"]["args"][1], float)
    (note,) = [a for a in fact_b["annots"] if a.get("functor") == "n"]
    assert isinstance(note["args"][0], float)


def test_a_belief_holding_a_collection_is_encoded_at_every_checkpoint() -> None:
    ag = make_agent(PROGRAM, RecordingHost())
    achieve(ag, "store")
    embed = Embedder()
    ag.snapshot(embed)
    embed.calls = 0
    achieve(ag, "change")  # the map changes in place: the belief is the same term
    snapshot = ag.snapshot(embed)
    assert embed.calls == 1
    assert msgspec.json.decode(msgspec.json.encode(snapshot))["collections"] == [{"map": [[{"atom": "k"}, 2]]}]


def test_what_is_kept_weighs_no_more_than_twice_what_the_beliefs_are_counted_for() -> None:
    # a string of control characters is six times longer as JSON than in memory
    ag = make_agent("small(1).", RecordingHost())
    ag.add_belief(Struct("big", ("\x01" * 2000,)), source="self")
    embed = Embedder()
    first = msgspec.json.encode(ag.snapshot(embed))
    kept = ag.beliefs.embedded
    assert sum(len(value) + KEPT_ENTRY_BYTES for value, _ in kept.values()) <= 2 * ag.beliefs.bytes
    assert ag.beliefs.embedded_bytes == sum(size for _, size in kept.values())
    assert [lit.functor for lit in kept] == ["small"]
    embed.calls = 0
    assert msgspec.json.encode(ag.snapshot(embed)) == first == msgspec.json.encode(ag.snapshot())
    assert embed.calls == 1  # the big belief, not kept, is encoded again


def test_what_is_kept_is_brought_back_within_the_bound_after_beliefs_go() -> None:
    # small beliefs kept while a large one gave room; once it is gone the next checkpoint keeps within the bound again
    ag = make_agent("small(1). small(2). small(3).", RecordingHost())
    ag.add_belief(Struct("big", ("x" * 3000,)), source="self")
    embed = Embedder()
    ag.snapshot(embed)
    assert len(ag.beliefs.embedded) == 4
    ag.beliefs.remove(Struct("big", ("x" * 3000,)), None)
    assert len(ag.beliefs.embedded) == 3  # the big one's entry went with it
    again = msgspec.json.encode(ag.snapshot(embed))
    assert again == msgspec.json.encode(ag.snapshot())
    assert ag.beliefs.embedded_bytes == sum(size for _, size in ag.beliefs.embedded.values())
    assert ag.beliefs.embedded_bytes <= 2 * ag.beliefs.bytes


def test_a_belief_base_cleared_keeps_nothing() -> None:
    ag = make_agent(PROGRAM, RecordingHost())
    ag.snapshot(Embedder())
    assert ag.beliefs.embedded
    ag.beliefs.clear()
    assert ag.beliefs.embedded == {} and ag.beliefs.embedded_bytes == 0
