from urllib.parse import quote, urlencode

import pytest

from romas.api.hal import with_query


@pytest.mark.parametrize(
    "params",
    [
        {"stream": "/agents/a1/inbox/01HZX-abc_def.~"},
        {"stream": "/agents/a 1/inbox/é?&="},
        {"type_": "message", "after": 3},
        {"flag": True, "name": "x:y"},
        {"a": "plain", "b": "with space"},
    ],
)
def test_with_query_escapes_as_urlencode_does(params: dict[str, object]) -> None:
    expected = urlencode({k.rstrip("_"): v for k, v in params.items()}, quote_via=quote, safe="/:")
    assert with_query("/events", **params) == f"/events?{expected}"


def test_with_query_leaves_out_what_is_none() -> None:
    assert with_query("/events", stream=None) == "/events"
    assert with_query("/events", stream="/agents/a", after=None) == "/events?stream=/agents/a"
