"""Verdicts of criteria: pass, fail or inconclusive from a confidence interval.

For a criterion ``metric op threshold`` at confidence ``c`` the interval
``[low, high]`` of the metric at level ``c`` decides, boundaries exact:

========  ====================  ====================  ==============
op        pass when             fail when             else
========  ====================  ====================  ==============
``>=``    ``low >= threshold``  ``high < threshold``  inconclusive
``>``     ``low > threshold``   ``high <= threshold`` inconclusive
``<=``    ``high <= threshold`` ``low > threshold``   inconclusive
``<``     ``high < threshold``  ``low >= threshold``  inconclusive
========  ====================  ====================  ==============

So ``>=`` passes when ``low == threshold`` and ``>`` does not. An undefined
metric or interval (e.g. ROC AUC of a group with one class) is inconclusive. A
group criterion gives one verdict per group value and a combined one: fail if any
group fails, pass if every group passes, inconclusive otherwise.

Example:
    >>> outcome(">=", 0.8, 0.8, 0.9)
    'pass'
    >>> outcome(">", 0.8, 0.8, 0.9)
    'inconclusive'
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["OUTCOMES", "combine", "outcome", "verdict"]

OUTCOMES: Final = ("pass", "fail", "inconclusive")


def outcome(op: str, threshold: float, low: float | None, high: float | None) -> str:
    """The verdict of ``metric op threshold`` for the interval ``[low, high]``."""
    if low is None or high is None:
        return "inconclusive"
    passed, failed = {
        ">=": (low >= threshold, high < threshold),
        ">": (low > threshold, high <= threshold),
        "<=": (high <= threshold, low > threshold),
        "<": (high < threshold, low >= threshold),
    }[op]
    return "pass" if passed else "fail" if failed else "inconclusive"


def combine(outcomes: list[str]) -> str:
    """Fail if any fails, pass if all pass (and there is at least one), else inconclusive."""
    if "fail" in outcomes:
        return "fail"
    if outcomes and all(o == "pass" for o in outcomes):
        return "pass"
    return "inconclusive"


def verdict(
    criterion: dict[str, Any],
    scope: str,
    group: str | None,
    n: int,
    value: float | None,
    interval: tuple[float | None, float | None],
) -> dict[str, Any]:
    """One verdict row (JSON-ready)."""
    low, high = interval
    return {
        "criterion": criterion,
        "scope": scope,
        "group": group,
        "n": n,
        "value": value,
        "low": low,
        "high": high,
        "level": criterion["confidence"],
        "outcome": outcome(criterion["op"], criterion["threshold"], low, high),
    }
