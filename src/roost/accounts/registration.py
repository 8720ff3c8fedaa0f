"""Registration through the API (POST /api/v1/accounts), as Mastodon's AppSignUpService.

An app token signs a new user up and receives a token for that user, holding the
app's scopes. With ``registrations=approval`` the account is created unapproved: the
token is still returned, as Mastodon does, but it is refused everywhere until an
admin approves the account. With ``closed`` nobody signs up.

Validation reports every problem at once in Mastodon's form: an ``error`` sentence
and ``details`` keyed by field, e.g. ``{"username": [{"error": "ERR_TAKEN", ...}]}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts import queries
from roost.accounts.service import EMAIL_PATTERN, USERNAME_PATTERN, create_account
from roost.db import Database
from roost.errors import FieldErrors, Forbidden
from roost.oauth.service import IssuedToken, application_scopes, issue_token
from roost.settings import RegistrationMode, Settings

USERNAME_LIMIT = 30
EMAIL_LIMIT = 320
PASSWORD_LIMIT = 72  # bcrypt's limit in Mastodon; kept so the same passwords work
REASON_LIMIT = 420  # Mastodon's invite request text limit
# Mastodon's default reserved usernames: names people would mistake for staff.
RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "help", "mod", "moderator", "root", "support", "webmaster"}
)
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
NOT_ALLOWED = "This action is not allowed"

_LABELS = {
    "username": "Username",
    "email": "Email",
    "password": "Password",
    "agreement": "Agreement",
    "locale": "Locale",
    "reason": "Reason",
}


@dataclass
class _Problems:
    """Validation errors collected per field, rendered as Mastodon's details."""

    by_field: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def add(self, name: str, code: str, description: str) -> None:
        self.by_field.setdefault(name, []).append({"error": code, "description": description})

    def raise_if_any(self) -> None:
        if not self.by_field:
            return
        sentences = [
            f"{_LABELS.get(name, name.capitalize())} {problem['description']}"
            for name, problems in self.by_field.items()
            for problem in problems
        ]
        raise FieldErrors("Validation failed: " + ", ".join(sentences), details=self.by_field)


@dataclass(frozen=True)
class SignUp:
    username: str
    email: str
    password: str
    agreement: bool
    locale: str | None = None
    reason: str | None = None


def _check_format(sign_up: SignUp, settings: Settings, problems: _Problems) -> None:
    username, email, password = sign_up.username, sign_up.email, sign_up.password
    if not username:
        problems.add("username", "ERR_BLANK", "can't be blank")
    elif len(username) > USERNAME_LIMIT:
        problems.add("username", "ERR_TOO_LONG", "is too long (maximum is 30 characters)")
    elif not USERNAME_PATTERN.match(username):
        problems.add("username", "ERR_INVALID", "must contain only letters, numbers and _")
    elif username.lower() in RESERVED_USERNAMES:
        problems.add("username", "ERR_RESERVED", "is reserved")
    if not email:
        problems.add("email", "ERR_BLANK", "can't be blank")
    elif len(email) > EMAIL_LIMIT or not EMAIL_PATTERN.match(email):
        problems.add("email", "ERR_INVALID", "is invalid")
    minimum = settings.password_min_length
    if not password:
        problems.add("password", "ERR_BLANK", "can't be blank")
    elif len(password) < minimum:
        problems.add("password", "ERR_TOO_SHORT", f"is too short (minimum is {minimum} characters)")
    elif len(password) > PASSWORD_LIMIT:
        problems.add("password", "ERR_TOO_LONG", "is too long (maximum is 72 characters)")
    if not sign_up.agreement:
        problems.add("agreement", "ERR_ACCEPTED", "must be accepted")
    if sign_up.locale and not LOCALE_PATTERN.match(sign_up.locale):
        problems.add("locale", "ERR_INCLUSION", "is not included in the list")
    if sign_up.reason and len(sign_up.reason) > REASON_LIMIT:
        problems.add("reason", "ERR_TOO_LONG", "is too long (maximum is 420 characters)")


async def _check_taken(conn: AsyncConnection, sign_up: SignUp, problems: _Problems) -> None:
    """Add ERR_TAKEN for a well-formed username or email that another account holds."""
    checks = (
        ("username", queries.find_account_by_username),
        ("email", queries.find_account_by_email),
    )
    for name, find in checks:
        value = getattr(sign_up, name)
        if name not in problems.by_field and await find(conn, value) is not None:
            problems.add(name, "ERR_TAKEN", "has already been taken")


async def register_account(
    *, db: Database, settings: Settings, application_id: int, sign_up: SignUp
) -> IssuedToken:
    """Create an account for a sign-up sent by an app, and a token for it with the app's scopes."""
    if settings.registrations == RegistrationMode.closed:
        raise Forbidden(NOT_ALLOWED)
    problems = _Problems()
    _check_format(sign_up, settings, problems)
    async with db.write() as conn:
        await _check_taken(conn, sign_up, problems)
        problems.raise_if_any()
        account_id = await create_account(
            conn,
            username=sign_up.username,
            email=sign_up.email,
            password=sign_up.password,
            approved=settings.registrations == RegistrationMode.open,
            password_min_length=settings.password_min_length,
        )
        scopes = await application_scopes(conn, application_id=application_id)
        return await issue_token(
            conn, application_id=application_id, account_id=account_id, scopes=scopes
        )
