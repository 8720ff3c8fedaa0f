"""Errors that carry an HTTP status and a message safe to show to the client.

Services raise ``DomainError``; one handler in ``roost.web.errors`` renders it as
Mastodon's ``{"error": "..."}``. Nothing below the API layer knows about HTTP
beyond the status code carried here.
"""

from __future__ import annotations


class DomainError(Exception):
    """A failure the client caused or must hear about, with a safe message."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "Record not found") -> None:
        super().__init__(message)


class Gone(DomainError):
    status_code = 410


class Validation(DomainError):
    status_code = 422


class FieldErrors(Validation):
    """A 422 that also names each invalid field, as Mastodon's ``details`` object does.

    ``details`` maps a field to ``[{"error": "ERR_TAKEN", "description": "..."}]``.
    """

    def __init__(self, message: str, *, details: dict[str, list[dict[str, str]]]) -> None:
        super().__init__(message)
        self.details = details


class Conflict(DomainError):
    status_code = 409


class TooManyRequests(DomainError):
    status_code = 429
