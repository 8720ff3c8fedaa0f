"""Time-sortable 64-bit ids, as Mastodon and Twitter make them.

The top 48 bits are milliseconds since the Unix epoch, the low 16 a sequence, so
ids sort by creation time and a page cursor is just an id. Several processes may
mint ids at once; the sequence starts at a random point each millisecond so that
collisions are vanishingly rare, and the primary keys catch the rest.
"""

from __future__ import annotations

import secrets
import threading
import time

_SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << _SEQUENCE_BITS) - 1

_lock = threading.Lock()
_last_ms = 0
_sequence = 0


def new_id(now_ms: int | None = None) -> int:
    """Return a fresh id, strictly greater than any this process made before."""
    global _last_ms, _sequence
    with _lock:
        ms = now_ms if now_ms is not None else time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _sequence = (_sequence + 1) & _SEQUENCE_MASK
            if _sequence == 0:  # sequence exhausted within one millisecond: borrow the next
                ms += 1
                _last_ms = ms
        else:
            _last_ms = ms
            _sequence = secrets.randbelow(1 << (_SEQUENCE_BITS - 1))
        return (ms << _SEQUENCE_BITS) | _sequence


def id_at(ms: int) -> int:
    """The smallest id minted at millisecond ``ms``: a cursor for 'since this time'."""
    return ms << _SEQUENCE_BITS


def id_to_ms(value: int) -> int:
    return value >> _SEQUENCE_BITS
