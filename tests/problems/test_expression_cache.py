"""The compiled-expression caches: bounded, least recently used out first, None kept."""

from __future__ import annotations

from collections import OrderedDict

from gdstudio.problems import expression
from gdstudio.problems.expression import _MISSING, _recall, _remember


def test_a_cache_keeps_the_most_recent_and_drops_the_oldest(monkeypatch) -> None:
    monkeypatch.setattr(expression, "_CACHE_SIZE", 3)
    cache: OrderedDict = OrderedDict()
    for key in "abc":
        _remember(cache, key, key.upper())
    assert _recall(cache, "a") == "A"  # now the most recent
    _remember(cache, "d", "D")
    assert list(cache) == ["c", "a", "d"]
    assert _recall(cache, "b") is _MISSING


def test_none_is_a_value_a_cache_remembers() -> None:
    cache: OrderedDict = OrderedDict()
    assert _recall(cache, "f") is _MISSING
    _remember(cache, "f", None)  # a batch function with no tape
    assert _recall(cache, "f") is None


def test_analysing_the_same_text_twice_asks_the_helper_once(monkeypatch) -> None:
    asked = []
    request = expression.SERVICE.request

    def counting(kind, payload, timeout):
        asked.append(kind)
        return request(kind, payload, timeout)

    monkeypatch.setattr(expression.SERVICE, "request", counting)
    text = "x**2 + 7*x*y + 0.123*y**2"
    first = expression.analyse_expression(text)
    assert expression.analyse_expression(text) is first
    assert asked == ["analyse"]
