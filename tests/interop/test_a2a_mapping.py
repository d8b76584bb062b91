"""The rule that turns an A2A message into an inbox message, and skills into a card."""

from __future__ import annotations

import pytest

from romas.interop.a2a import Refused, agent_card, skills_of, to_inbox


def text(value: str, **meta: str) -> dict[str, object]:
    return {"parts": [{"text": value}], "metadata": meta}


def test_a_term_with_variables_is_a_question_and_a_ground_one_a_goal() -> None:
    assert to_inbox(text("price(apple, P)")) == ("askOne", "price(apple,P)")
    assert to_inbox(text("restock(5)")) == ("achieve", "restock(5)")
    assert to_inbox(text("sunny", performative="tell")) == ("tell", "sunny")
    assert to_inbox({"parts": [{"data": {"performative": "tell", "content": "hot"}}]}) == ("tell", "hot")


@pytest.mark.parametrize(
    "message",
    [
        {"parts": []},
        {"parts": [{"url": "http://x"}]},
        text("((("),
        text("x", performative="tellHow"),
    ],
)
def test_refused(message: dict[str, object]) -> None:
    with pytest.raises(Refused):
        to_inbox(message)


def test_skills_from_annotations_then_description() -> None:
    code = '@a[skill("pricing")] +!p <- true.\n@b[skill("pricing"), x] +!q <- true.\n'
    assert [s["id"] for s in skills_of("bob", {"code": code}, {})] == ["pricing"]
    assert skills_of("bob", {"code": "", "description": "bakes"}, {})[0]["description"] == "bakes"
    given = skills_of("bob", {"code": code}, {"skills": ["a", {"id": "b", "name": "B"}]})
    assert [s["id"] for s in given] == ["a", "b"]
    card = agent_card("http://h", "bob", {"code": code}, {"enabled": True})
    assert [i["protocolBinding"] for i in card["supportedInterfaces"]] == ["HTTP+JSON", "JSONRPC"]
