"""Random secrets (tokens, codes, client secrets) and the digests we store instead."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    """256 bits of randomness, URL-safe: an access token, code or client secret."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex digest; lookups by digest make comparisons constant-time by construction."""
    return hashlib.sha256(secret.encode()).hexdigest()
