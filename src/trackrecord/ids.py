"""Run ids that sort by creation time, and readable run names.

A run id is 26 characters of lowercase Crockford base32: 10 for the creation
time in milliseconds, 16 random. Ids made later sort after earlier ones, also
within one millisecond in one process. A run's default name (``amber-otter-417``)
is derived from the random part of its id.

Example:
    >>> a, b = new_run_id(), new_run_id()
    >>> a < b and len(a) == 26
    True
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Final

__all__ = ["is_run_id", "new_run_id", "run_name_for"]

_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last: list[int] = [0, 0]  # last (milliseconds, random) handed out


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_run_id() -> str:
    """A new, unique run id that sorts after every id made before it in this process."""
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last[0]:
            ms, rand = _last[0], _last[1] + 1  # same millisecond: keep order by counting up
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for counting up
        _last[0], _last[1] = ms, rand
    return _base32(ms, 10) + _base32(rand, 16)


def is_run_id(text: str) -> bool:
    """True when *text* has the shape of a run id."""
    return len(text) == 26 and all(c in _ALPHABET for c in text)


_ADJECTIVES: Final = (
    "amber",
    "bold",
    "brave",
    "bright",
    "calm",
    "clever",
    "cosmic",
    "crisp",
    "daring",
    "dusty",
    "eager",
    "fancy",
    "fierce",
    "gentle",
    "golden",
    "happy",
    "hidden",
    "icy",
    "jolly",
    "keen",
    "lively",
    "lucky",
    "mellow",
    "misty",
    "noble",
    "polar",
    "proud",
    "quiet",
    "rapid",
    "rosy",
    "rustic",
    "shiny",
    "silent",
    "silver",
    "snowy",
    "solar",
    "spry",
    "stellar",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "wandering",
    "warm",
    "wild",
    "wise",
    "witty",
    "young",
    "zesty",
    "zen",
)
_NOUNS: Final = (
    "badger",
    "bison",
    "cedar",
    "comet",
    "coral",
    "crane",
    "delta",
    "dune",
    "ember",
    "falcon",
    "fern",
    "fjord",
    "forest",
    "galaxy",
    "glacier",
    "harbor",
    "hawk",
    "heron",
    "island",
    "lagoon",
    "lark",
    "lynx",
    "maple",
    "meadow",
    "meteor",
    "moon",
    "nebula",
    "oak",
    "orbit",
    "otter",
    "owl",
    "panda",
    "pine",
    "planet",
    "pulsar",
    "quasar",
    "raven",
    "reef",
    "river",
    "sparrow",
    "spruce",
    "star",
    "stream",
    "summit",
    "thunder",
    "tiger",
    "valley",
    "wave",
    "willow",
    "wolf",
)


def run_name_for(run_id: str) -> str:
    """A readable default name derived from a hash of *run_id* (same id, same name).

    Example:
        >>> run_name_for("01m8cvg7y607a7203dyc5exe72")
        'zesty-otter-634'
    """
    number = int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:8], "big")
    adjective = _ADJECTIVES[number % len(_ADJECTIVES)]
    noun = _NOUNS[(number // len(_ADJECTIVES)) % len(_NOUNS)]
    return f"{adjective}-{noun}-{(number // 2500) % 1000}"
