"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's guidance)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that sign-in takes as long
# for an unknown email as for a wrong password (no enumeration by timing).
_DUMMY_HASH = _hasher.hash("roost-dummy-password")


def configure(*, time_cost: int, memory_cost: int) -> None:
    """Replace the hasher's cost parameters (tests lower them to stay fast)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    _DUMMY_HASH = _hasher.hash("roost-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does the full amount of work."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
