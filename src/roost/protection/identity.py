"""Who is asking: the account behind a user token, and the client's throttleable address.

Notes on design: rate limits run before routing, so the token is resolved here with
the same per-process token cache the handlers use (``roost.oauth.token_cache``): a
cached token costs no query, and the handler's own check then hits the cache too.
Anything that prevents identifying the account (an unknown or revoked token, an
account awaiting approval, the database being down) makes the request count per IP
address, as Mastodon counts requests without a valid user token; the handler still
answers the real error (401, 403, 503).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.types import Scope

from roost.oauth import token_cache
from roost.web.auth import bearer_token
from roost.web.state import AppState

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Client:
    ip: str
    account_id: int | None


def throttleable_ip(host: str | None) -> str:
    """The address requests are counted under: IPv4 as is, IPv6 per /64 (as Mastodon).

    One IPv6 host usually holds a whole /64, so counting single addresses would let
    it rotate through them.
    """
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


async def identify(scope: Scope, state: AppState, *, want_account: bool) -> Client:
    client = scope.get("client")
    ip = throttleable_ip(client[0] if client else None)
    if not want_account:
        return Client(ip=ip, account_id=None)
    return Client(ip=ip, account_id=await _account_id(scope, state))


async def _account_id(scope: Scope, state: AppState) -> int | None:
    token = bearer_token(Request(scope))
    if token is None:
        return None
    try:
        entry = await token_cache.authenticate(
            db=state.db, token=token, ttl=state.settings.token_cache_seconds
        )
    except Exception as exc:  # see the module notes: count per IP instead
        log.debug("rate limit: token not resolved, counting per IP", error=repr(exc))
        return None
    return entry.viewer.account_id if entry is not None else None
