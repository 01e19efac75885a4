"""The ``~`` glob of the SQL stores: the same matches as the plain regular expression, in
time linear in the pattern however many wildcards it holds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from trackrecord.store.sql.connection import glob_regex, simple_glob
from trackrecord.store.sql.database import glob_match


def _by_regex(text: str, pattern: str) -> bool:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch("".join(parts), text, re.IGNORECASE | re.DOTALL) is not None


@given(st.text("aAbß*?é.\\", max_size=8), st.text("aAbßéÉ.\\\n", max_size=10))
def test_glob_match_agrees_with_the_regular_expression(pattern: str, text: str) -> None:
    assert bool(glob_match(text, pattern)) == _by_regex(text, pattern)
    assert _by_regex(text, simple_glob(pattern)) == _by_regex(text, pattern)  # PostgreSQL's


def test_hostile_patterns_stay_cheap() -> None:
    assert glob_match("a" * 10_000, "*a" * 2_000 + "*c") == 0  # backtracking: forever
    assert glob_match("a" * 10_000, "*a" * 2_000 + "*") == 1
    assert simple_glob("*" * 5_000) == "*" and simple_glob("*?" * 3) == "???*"
    assert glob_regex("x" + "*" * 5_000) == "^x.*$"
