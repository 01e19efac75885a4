"""Hypothesis strategies shared by the transparency tests."""

from __future__ import annotations

from hypothesis import strategies as st

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=90)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=9), inner, max_size=9)
    ),
)
"""Any JSON value (NaN and infinities included, as Python's json writes them)."""
