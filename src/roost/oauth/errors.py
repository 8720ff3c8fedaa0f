"""OAuth errors in RFC 6749's form: ``{"error": code, "error_description": text}``.

The descriptions are Doorkeeper's (the OAuth server inside Mastodon), so clients
that match on them see what they would see from Mastodon.
"""

from __future__ import annotations

from roost.errors import DomainError

DESCRIPTIONS = {
    "invalid_request": (
        "The request is missing a required parameter, includes an unsupported parameter "
        "value, or is otherwise malformed."
    ),
    "invalid_client": (
        "Client authentication failed due to unknown client, no client authentication "
        "included, or unsupported authentication method."
    ),
    "invalid_grant": (
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
    "unsupported_grant_type": (
        "The authorization grant type is not supported by the authorization server."
    ),
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "invalid_redirect_uri": (
        "The requested redirect uri is malformed or doesn't match client redirect URI."
    ),
    "unsupported_response_type": ("The authorization server does not support this response type."),
    "access_denied": "The resource owner or authorization server denied the request.",
    "unauthorized_client": "You are not authorized to revoke this token",
}

# Doorkeeper answers a failed client authentication with 401 and everything else with 400.
_STATUS = {"invalid_client": 401, "unauthorized_client": 403}


class OAuthError(DomainError):
    """A failure at the token, revoke or authorize endpoints, named by its RFC 6749 code."""

    def __init__(self, code: str, description: str | None = None) -> None:
        super().__init__(
            description or DESCRIPTIONS.get(code, code), status_code=_STATUS.get(code, 400)
        )
        self.code = code

    @property
    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.message}
