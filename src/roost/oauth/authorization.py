"""Use cases behind the authorize page: check an authorization request, sign in, issue a code.

Codes are 256-bit random values stored as digests, single use, bound to the client
and the redirect URI, and expire after ten minutes (Doorkeeper's default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import RowMapping

from roost.accounts.service import check_credentials
from roost.db import Database
from roost.db.metadata import utcnow
from roost.errors import Forbidden, Unauthorized
from roost.oauth import queries
from roost.oauth.applications import OOB_REDIRECT_URI, find_client, redirect_uri_list
from roost.oauth.errors import OAuthError
from roost.oauth.grants import resolve_scopes
from roost.oauth.scopes import format_scopes, parse_scopes
from roost.oauth.secrets import digest, new_secret
from roost.oauth.service import PENDING_APPROVAL

CODE_LIFETIME = timedelta(minutes=10)
SIGN_IN_FAILED = "Invalid email address, username or password."


class AuthorizationError(OAuthError):
    """An authorize-request error; ``redirect_uri`` is set once the URI is known to be safe."""

    def __init__(
        self, code: str, *, redirect_uri: str | None = None, state: str | None = None
    ) -> None:
        super().__init__(code)
        self.redirect_uri = redirect_uri
        self.state = state

    @property
    def redirectable(self) -> bool:
        return self.redirect_uri is not None and self.redirect_uri != OOB_REDIRECT_URI


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked request: which app asks, for which scopes, and where the answer goes."""

    application: RowMapping
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None

    @property
    def scope_text(self) -> str:
        return format_scopes(self.scopes)

    @property
    def out_of_band(self) -> bool:
        return self.redirect_uri == OOB_REDIRECT_URI


async def check_authorization_request(
    *,
    db: Database,
    client_id: str | None,
    redirect_uri: str | None,
    response_type: str | None,
    scope: str | None,
    state: str | None,
) -> AuthorizationRequest:
    """Validate what a client asks for, in RFC 6749's order (client, redirect URI, rest)."""
    async with db.read() as conn:
        application = await find_client(conn, client_id=client_id)
    if application is None:
        raise AuthorizationError("invalid_client")
    if not redirect_uri or redirect_uri not in redirect_uri_list(application["redirect_uris"]):
        raise AuthorizationError("invalid_redirect_uri")
    if response_type != "code":
        raise AuthorizationError(
            "unsupported_response_type", redirect_uri=redirect_uri, state=state
        )
    try:
        scopes = resolve_scopes(scope, allowed=parse_scopes(application["scopes"]))
    except OAuthError:
        raise AuthorizationError("invalid_scope", redirect_uri=redirect_uri, state=state) from None
    return AuthorizationRequest(
        application=application, redirect_uri=redirect_uri, scopes=scopes, state=state
    )


async def sign_in_and_authorize(
    *, db: Database, request: AuthorizationRequest, login: str, password: str
) -> str:
    """Check the user's credentials and grant the request; returns the authorization code."""
    async with db.read() as conn:
        account = await check_credentials(conn, login=login.strip(), password=password)
    if account is None:
        raise Unauthorized(SIGN_IN_FAILED)
    if not account["approved"]:
        raise Forbidden(PENDING_APPROVAL)
    code = new_secret()
    async with db.write() as conn:
        await queries.insert_authorization_code(
            conn,
            code_hash=digest(code),
            application_id=request.application["id"],
            account_id=account["id"],
            redirect_uri=request.redirect_uri,
            scopes=format_scopes(request.scopes),
            expires_at=utcnow() + CODE_LIFETIME,
        )
    return code
