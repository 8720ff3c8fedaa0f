"""Documentation-only models of the Mastodon entities Roost answers with.

Notes on design: handlers build plain JSON (``roost.web.responses``), so FastAPI cannot
infer response schemas from them. These pydantic models exist only to describe the
responses in ``/openapi.json``; nothing renders through them. They are kept honest by
the fuzz suite (tests/fuzz), which validates every real response against them: a field
listed here is one every response carries, with the type it really has (null where it
can be null). Fields Roost adds or may add later are allowed (``extra="allow"``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Entity(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(_Entity):
    """Mastodon's error body; OAuth endpoints add ``error_description`` (RFC 6749)."""

    error: str
    error_description: str | None = None
    details: dict[str, Any] | None = None


class Account(_Entity):
    id: str
    username: str
    acct: str
    display_name: str
    locked: bool
    bot: bool
    discoverable: bool | None
    group: bool
    created_at: str
    note: str
    url: str
    uri: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    followers_count: int
    following_count: int
    statuses_count: int
    last_status_at: str | None
    emojis: list[Any]
    fields: list[Any]


class AccountSource(_Entity):
    privacy: str
    sensitive: bool
    language: str | None
    note: str
    fields: list[Any]
    follow_requests_count: int


class CredentialAccount(Account):
    """The signed-in user's own Account, with ``source`` (verify/update credentials)."""

    source: AccountSource


class MutedAccount(Account):
    mute_expires_at: str | None


class Relationship(_Entity):
    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


class MediaAttachment(_Entity):
    """``url`` and ``meta`` are null while an upload is still processing (as Mastodon)."""

    id: str
    type: Literal["image", "gifv", "video", "audio", "unknown"]
    url: str | None
    preview_url: str | None
    remote_url: str | None
    meta: dict[str, Any] | None
    description: str | None
    blurhash: str | None


class StatusMention(_Entity):
    id: str
    username: str
    url: str
    acct: str


class StatusTag(_Entity):
    name: str
    url: str


class StatusApplication(_Entity):
    name: str
    website: str | None


class Status(_Entity):
    id: str
    created_at: str
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    sensitive: bool
    spoiler_text: str
    visibility: Literal["public", "unlisted", "private", "direct"]
    language: str | None
    uri: str
    url: str | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    edited_at: str | None
    favourited: bool
    reblogged: bool
    muted: bool
    bookmarked: bool
    content: str
    reblog: Status | None
    application: StatusApplication | None = None
    account: Account
    media_attachments: list[MediaAttachment]
    mentions: list[StatusMention]
    tags: list[StatusTag]
    emojis: list[Any]
    card: dict[str, Any] | None
    poll: dict[str, Any] | None


class DeletedStatus(Status):
    """A deleted status comes back with its source text, so a client can redraft it."""

    text: str


class Context(_Entity):
    ancestors: list[Status]
    descendants: list[Status]


class TagHistory(_Entity):
    day: str
    uses: str
    accounts: str


class Tag(_Entity):
    """``following`` is present when the request was signed in."""

    name: str
    url: str
    history: list[TagHistory]
    following: bool | None = None


class Notification(_Entity):
    id: str
    type: str
    created_at: str
    account: Account
    status: Status | None = None


class UnreadCount(_Entity):
    count: int


class Marker(_Entity):
    last_read_id: str
    version: int
    updated_at: str


class Markers(_Entity):
    home: Marker | None = None
    notifications: Marker | None = None


class SearchResults(_Entity):
    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[Tag]


class Application(_Entity):
    """``client_id``/``client_secret`` only when the app was just registered."""

    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    vapid_key: str
    client_id: str | None = None
    client_secret: str | None = None


class Token(_Entity):
    access_token: str
    token_type: str
    scope: str
    created_at: int


class InstanceStats(_Entity):
    user_count: int
    status_count: int
    domain_count: int


class Instance(_Entity):
    """``GET /api/v1/instance``."""

    uri: str
    title: str
    short_description: str
    description: str
    email: str
    version: str
    urls: dict[str, Any]
    stats: InstanceStats
    registrations: bool
    approval_required: bool


class InstanceV2(_Entity):
    """``GET /api/v2/instance``."""

    domain: str
    title: str
    version: str
    source_url: str
    description: str
    usage: dict[str, Any]
    thumbnail: dict[str, Any]
    languages: list[str]
    configuration: dict[str, Any]
    registrations: dict[str, Any]
    contact: dict[str, Any]
    rules: list[Any]


class Empty(_Entity):
    """``{}``: what Mastodon answers when there is nothing to say (clear, dismiss, revoke)."""


ENTITIES: tuple[type[BaseModel], ...] = (
    Error,
    Account,
    CredentialAccount,
    MutedAccount,
    Relationship,
    MediaAttachment,
    Status,
    DeletedStatus,
    Context,
    Tag,
    Notification,
    UnreadCount,
    Markers,
    SearchResults,
    Application,
    Token,
    Instance,
    InstanceV2,
    Empty,
)
