"""Identities of tokens checked within the last second, so that a busy server asks the
database once a second per token instead of at every request.

Looking a token up (its user, the user's roles) was a database round trip and a trip to a
worker thread for every request of a loaded server; a logger sends four a second. An
entry lives :data:`LIFETIME` seconds, so whatever changes a token or its user in another
process (``trackrecord admin token revoke``, a server replica) is honoured within that
time. A change made through the same :class:`~trackrecord.store.sql.accounts.SqlAccounts`
empties the cache at once, and a lookup that began before such a change cannot put what
it read back into the cache afterwards (see :attr:`TokenCache.generation`). A token's own
expiry is checked at each use, not only when it was cached.

Example:
    >>> from trackrecord.identity import Identity
    >>> cache = TokenCache()
    >>> cache.put("tr_abc.secret", Identity("alice"), cache.generation)
    >>> cache.get("tr_abc.secret").user
    'alice'
    >>> cache.clear()
    >>> cache.get("tr_abc.secret") is None
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from trackrecord.identity import Identity

__all__ = ["LIFETIME", "TokenCache"]

LIFETIME: Final = 1.0
"""Seconds a checked token is believed without asking the database again."""
_MOST_ENTRIES: Final = 10_000  # past that the cache starts afresh: bounded memory


class TokenCache:
    """Token text → identity, each entry for *lifetime* seconds of *clock*.

    Safe to use from many threads (and from the event loop, which only calls
    :meth:`get`).
    """

    def __init__(
        self, lifetime: float = LIFETIME, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._entries: dict[str, tuple[Identity, float]] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """Changes at each :meth:`clear`: a lookup reads it before asking the database and
        gives it to :meth:`put`, which drops what was read before a change."""

    def get(self, token: str) -> Identity | None:
        """The identity *token* was found to stand for, if that was within the lifetime and
        the token has not expired since; None: ask the database."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        identity, until = entry
        expires_at = identity.token_expires_at
        if self._clock() >= until or (
            expires_at is not None and expires_at <= time.time_ns() // 1_000_000
        ):
            self._entries.pop(token, None)
            return None
        return identity

    def put(self, token: str, identity: Identity, generation: int) -> None:
        """Remember *identity* for *token*, unless the cache was cleared since *generation*
        was read (the identity may predate a revocation)."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= _MOST_ENTRIES:
                self._entries.clear()
            self._entries[token] = (identity, self._clock() + self.lifetime)

    def clear(self) -> None:
        """Forget every entry (a token, user or role changed)."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
