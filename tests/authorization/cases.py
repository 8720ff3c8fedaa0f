"""The authorization table: every route that reads or changes an object, and who may.

Each ``Case`` is one request (path and body written with the world's object names in
braces, e.g. ``{private}``) and what each caller must get:

- ``owner``: alice, full scopes — the positive control, so a broken route fails here too;
- ``other``: bob, a stranger; ``blocked``: mallory, whom alice blocks;
- ``anonymous``: no token; ``narrow``: alice's own token holding every sub-scope except
  ``scope``; ``app``: an app-only token (client credentials), full scopes, no account;
- ``follower``: carol (checked only where given).

An expectation is a status code, or ``ok(shows=..., hides=...)``: 200 and the response
must (not) contain those objects' ids. For a changing request, ``probe`` is a GET the
owner makes before and after every refused attempt: its body must not change (nothing
was done behind a 404). Refused callers go first, the owner last.

Reference: Mastodon (private/direct statuses, someone else's notifications and media are
404 "Record not found"; no token 401; missing scope 403; app token on a user endpoint 422).
Roost differs on purpose where its own tests say so: a blocked viewer gets 404 on the
blocker's profile, statuses and threads, and an empty list of the blocker's follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK = 200
SAME_AS_ANONYMOUS = -1


@dataclass(frozen=True)
class Expect:
    status: int = OK
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()


def ok(*, shows: tuple[str, ...] | str = (), hides: tuple[str, ...] | str = ()) -> Expect:
    def names(value: tuple[str, ...] | str) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else value

    return Expect(OK, names(shows), names(hides))


Expectation = int | Expect | None

ROLES = ("anonymous", "app", "narrow", "blocked", "other", "follower", "owner")


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    scope: str | None  # the scope the route needs (None: any token, or none)
    owner: Expectation = OK
    other: Expectation = 404
    blocked: Expectation = 404
    anonymous: Expectation = 401
    narrow: Expectation = 403
    app: Expectation = SAME_AS_ANONYMOUS  # 422 where anonymous is 401 (a user is needed)
    follower: Expectation = None
    probe: str | None = None
    others_change: bool = False  # allowed callers other than the owner may change the probe
    json: dict[str, Any] | None = None
    upload: bool = False
    params: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}{' ' + self.note if self.note else ''}"

    def expectation(self, role: str) -> Expect | None:
        value: Expectation = getattr(self, role)
        if role == "app" and value == SAME_AS_ANONYMOUS:
            value = 422 if self.anonymous == 401 else self.anonymous
        if value is None or isinstance(value, Expect):
            return value
        return Expect(value)


def own(
    method: str, path: str, scope: str, *, shows: str | tuple[str, ...] = (), **kw: Any
) -> Case:
    """A route on the caller's own data: everyone with a user token gets 200 and sees only
    their own; the owner's objects (``shows``) never appear for anyone else."""
    fields: dict[str, Any] = {
        "owner": ok(shows=shows),
        "other": ok(hides=shows),
        "blocked": ok(hides=shows),
    }
    return Case(method, path, scope, **{**fields, **kw})


def public_read(path: str, scope: str, *, hidden: tuple[str, ...] = (), **kw: Any) -> Case:
    """A read anyone may make (a sent token needs ``scope``); ``hidden`` never shows to
    strangers, anonymous or the blocked account; the blocked account gets 404."""
    fields: dict[str, Any] = {
        "owner": ok(shows=hidden),
        "other": ok(hides=hidden),
        "anonymous": ok(hides=hidden),
        "app": ok(hides=hidden),
    }
    return Case("GET", path, scope, **{**fields, **kw})


STATUS_PROBE = "/api/v1/statuses/{private}"
LISTS_CAROL: dict[str, Any] = {
    role: ok(shows="follower") for role in ("owner", "other", "anonymous", "app")
}
PRIVATE_ONES = ("private", "direct")

# Run in this order on one world: a case must leave the world as the later ones need it,
# so reads come first and the cases that consume or delete objects come last.
CASES: tuple[Case, ...] = (
    # --- statuses -------------------------------------------------------------------------
    public_read("/api/v1/statuses/{public}", "read:statuses", follower=OK),
    *(
        Case(
            "GET", f"/api/v1/statuses/{{{name}}}{tail}", "read:statuses", anonymous=404, follower=OK
        )
        for name in PRIVATE_ONES
        for tail in ("", "/context")
    ),
    public_read(
        "/api/v1/statuses/{public}/context",
        "read:statuses",
        hidden=("private",),
        follower=ok(shows="private"),
    ),
    *(
        public_read(
            f"/api/v1/statuses/{{public}}/{listed}",
            "read:accounts",
            **LISTS_CAROL,
        )
        for listed in ("favourited_by", "reblogged_by")  # carol favourited and reblogged it
    ),
    Case(
        "GET",
        "/api/v1/statuses/{private}/favourited_by",
        "read:accounts",
        anonymous=404,
        follower=ok(shows="follower"),
    ),
    Case("GET", "/api/v1/statuses/{private}/reblogged_by", "read:accounts", anonymous=404),
    public_read(
        "/api/v1/accounts/{owner}/statuses",
        "read:statuses",
        hidden=PRIVATE_ONES,
        follower=ok(shows=PRIVATE_ONES),  # a follower, and mentioned in the direct one
    ),
    own("GET", "/api/v1/favourites", "read:favourites", follower=ok(shows="private")),
    # --- accounts and the graph -----------------------------------------------------------
    public_read("/api/v1/accounts/{owner}", "read:accounts"),
    public_read("/api/v1/accounts/lookup", "read:accounts", params={"acct": "alice"}),
    *(
        public_read(
            f"/api/v1/accounts/{{owner}}/{listed}",
            "read:accounts",
            owner=ok(shows="follower"),
            blocked=ok(hides="follower"),
        )
        for listed in ("followers", "following")
    ),
    Case(
        "GET",
        "/api/v1/accounts/relationships",
        "read:follows",
        other=OK,
        blocked=OK,
        params={"id[]": "{owner}"},
    ),
    own("GET", "/api/v1/follow_requests", "read:follows", shows="requester"),
    own("GET", "/api/v1/blocks", "read:blocks", shows="blocked"),
    own("GET", "/api/v1/mutes", "read:mutes"),
    Case(
        "GET",
        "/api/v1/accounts/verify_credentials",
        "read:accounts",
        owner=ok(shows="owner"),
        other=ok(hides="owner"),
        blocked=ok(hides="owner"),
    ),
    # --- notifications, markers, media: reads ---------------------------------------------
    own("GET", "/api/v1/notifications", "read:notifications", shows="notification"),
    own("GET", "/api/v1/notifications/unread_count", "read:notifications"),
    Case("GET", "/api/v1/notifications/{notification}", "read:notifications", follower=404),
    own(
        "GET",
        "/api/v1/markers",
        "read:statuses",
        shows="notification",
        params={"timeline[]": "notifications"},
    ),
    Case("GET", "/api/v1/media/{media}", "write:media"),
    # --- timelines, search, tags, trends, apps --------------------------------------------
    own(
        "GET",
        "/api/v1/timelines/home",
        "read:statuses",
        shows=PRIVATE_ONES,
        follower=ok(shows="private"),
    ),
    public_read(
        "/api/v1/timelines/public",
        "read:statuses",
        owner=ok(shows="public"),
        other=ok(shows="public", hides=PRIVATE_ONES),
        anonymous=ok(shows="public", hides=PRIVATE_ONES),
        blocked=ok(hides=("public", *PRIVATE_ONES, "reblog")),
    ),
    public_read(
        "/api/v1/timelines/tag/{tag}",
        "read:statuses",
        owner=ok(shows="public"),
        other=ok(shows="public", hides="private"),
        anonymous=ok(shows="public", hides="private"),
        blocked=ok(hides=("public", "private")),
        follower=ok(shows="public"),
    ),
    Case(
        "GET",
        "/api/v2/search",
        "read:search",
        params={"q": "quokkasecret", "type": "statuses"},
        owner=ok(shows=PRIVATE_ONES),
        other=ok(hides=PRIVATE_ONES),
        blocked=ok(hides=PRIVATE_ONES),
        anonymous=ok(hides=PRIVATE_ONES),
        app=ok(hides=PRIVATE_ONES),
        follower=ok(shows=PRIVATE_ONES),
    ),
    own("GET", "/api/v1/followed_tags", "read:follows", shows="tag"),
    Case(
        "GET",
        "/api/v1/trends/statuses",
        None,
        other=ok(hides="private"),
        anonymous=ok(hides="private"),
        app=ok(hides="private"),
        blocked=ok(hides="private"),
        narrow=ok(hides="private"),
    ),
    Case(
        "GET",
        "/api/v1/apps/verify_credentials",
        None,
        other=OK,
        blocked=OK,
        narrow=OK,
        app=OK,
    ),
    # Streams: the refusals (what a user stream carries is checked in test_streams.py).
    *(
        Case(
            "GET", f"/api/v1/streaming/{name}", scope, owner=None, other=None, blocked=None, app=401
        )
        for name, scope in (("user", "read:statuses"), ("user/notification", "read:notifications"))
    ),
    # --- changes that leave the world usable ----------------------------------------------
    Case("POST", "/api/v1/statuses/{private}/favourite", "write:favourites", probe=STATUS_PROBE),
    Case(
        "POST",
        "/api/v1/statuses/{public}/favourite",
        "write:favourites",
        other=OK,
        probe="/api/v1/statuses/{public}",
        others_change=True,
    ),
    Case(
        "POST",
        "/api/v1/statuses/{private}/unfavourite",
        "write:favourites",
        probe=STATUS_PROBE,
    ),
    Case("POST", "/api/v1/statuses/{private}/reblog", "write:statuses", probe=STATUS_PROBE),
    Case(
        "POST",
        "/api/v1/statuses/{direct}/reblog",
        "write:statuses",
        owner=403,
        probe="/api/v1/statuses/{direct}",
        note="(direct: never)",
    ),
    Case(
        "POST",
        "/api/v1/statuses/{public}/unreblog",
        "write:statuses",
        other=OK,
        probe="/api/v1/statuses/{public}",
        note="(only the caller's own reblog goes)",
    ),
    Case(
        "POST",
        "/api/v1/accounts/{owner}/follow",
        "write:follows",
        owner=403,
        other=OK,
        blocked=403,
        probe="/api/v1/accounts/relationships?id[]={blocked}",
    ),
    *(
        Case(
            "POST",
            f"/api/v1/accounts/{{owner}}/{action}",
            scope,
            other=OK,
            blocked=OK,
            probe="/api/v1/accounts/{owner}",
        )
        for action, scope in (  # block before unblock, mute before unmute: nothing stays
            ("unfollow", "write:follows"),
            ("block", "write:blocks"),
            ("unblock", "write:blocks"),
            ("mute", "write:mutes"),
            ("unmute", "write:mutes"),
        )
    ),
    Case(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        "write:accounts",
        other=OK,
        blocked=OK,
        json={"note": "changed"},
        probe="/api/v1/accounts/{owner}",
    ),
    Case(
        "POST",
        "/api/v1/markers",
        "write:statuses",
        other=OK,
        blocked=OK,
        json={"notifications": {"last_read_id": "1"}},
        probe="/api/v1/markers?timeline[]=notifications",
    ),
    Case(
        "PUT",
        "/api/v1/media/{media}",
        "write:media",
        json={"description": "mine now"},
        probe="/api/v1/media/{media}",
    ),
    *(
        Case("POST", f"/api/{version}/media", "write:media", other=OK, blocked=OK, upload=True)
        for version in ("v1", "v2")
    ),
    *(
        Case(
            "POST",
            f"/api/v1/tags/{{tag}}/{action}",
            "write:follows",
            other=OK,
            blocked=OK,
            probe="/api/v1/followed_tags",
        )
        for action in ("follow", "unfollow")
    ),
    Case(
        "POST",
        "/api/v1/statuses",
        "write:statuses",
        other=422,
        blocked=422,
        json={"status": "a reply", "in_reply_to_id": "{private}"},
        probe=STATUS_PROBE,
        note="(reply to a private status)",
    ),
    # --- changes that consume or delete objects: last -------------------------------------
    Case(
        "POST",
        "/api/v1/statuses",
        "write:statuses",
        other=422,
        blocked=422,
        json={"status": "with a picture", "media_ids": ["{media}"]},
        probe="/api/v1/media/{media}",
        note="(someone else's media)",
    ),
    Case(
        "POST",
        "/api/v1/follow_requests/{requester}/authorize",
        "write:follows",
        probe="/api/v1/follow_requests",
    ),
    Case(
        "POST",
        "/api/v1/follow_requests/{requester}/reject",
        "write:follows",
        other=OK,
        blocked=OK,  # rejecting with nothing pending changes nothing (Roost)
        probe="/api/v1/accounts/relationships?id[]={requester}",
    ),
    Case(
        "POST",
        "/api/v1/notifications/{notification}/dismiss",
        "write:notifications",
        probe="/api/v1/notifications/{notification}",
        follower=404,
    ),
    Case(
        "POST",
        "/api/v1/notifications/clear",
        "write:notifications",
        other=OK,
        blocked=OK,
        probe="/api/v1/notifications",
    ),
    Case(
        "DELETE",
        "/api/v1/statuses/{private}",
        "write:statuses",
        probe=STATUS_PROBE,
        follower=404,
    ),
    Case(
        "DELETE",
        "/api/v1/statuses/{public}",
        "write:statuses",
        probe="/api/v1/statuses/{public}",
        note="(public: still only its author)",
    ),
)


# Routes whose object-level rules are checked by a hand-written test of this suite.
HAND_WRITTEN: dict[tuple[str, str], str] = {
    ("POST", "/oauth/revoke"): "test_special.py: another app cannot revoke alice's token",
    ("WS", "/api/v1/streaming"): "test_streams.py: a user stream carries only its owner's events",
    ("GET", "/api/v1/streaming/public"): "test_streams.py: no private status on public streams",
    ("GET", "/api/v1/streaming/public/local"): "test_streams.py: same as public",
    ("GET", "/api/v1/streaming/hashtag"): "test_streams.py: same as public",
}

# Routes that need no object-level check, and why.
NO_OBJECT: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the API description, public",
    ("GET", "/docs"): "API documentation page, public",
    ("GET", "/docs/oauth2-redirect"): "API documentation helper, public",
    ("GET", "/redoc"): "API documentation page, public",
    ("GET", "/api/v1/instance"): "public instance information",
    ("GET", "/api/v2/instance"): "public instance information",
    ("GET", "/avatars/original/missing.png"): "the default avatar image",
    ("GET", "/headers/original/missing.png"): "the default header image",
    ("GET", "/system/media/{key:path}"): (
        "stored files by content hash: public and unguessable, as Mastodon's media URLs"
    ),
    ("POST", "/api/v1/apps"): "registers a new app: no existing object",
    ("GET", "/oauth/authorize"): "the sign-in form (tests/oauth/test_authorize.py)",
    ("POST", "/oauth/authorize"): "checks the password it is given (tests/oauth)",
    ("POST", "/oauth/token"): "checks client secret, code or password (tests/oauth)",
    ("POST", "/api/v1/accounts"): "sign-up creates a new account (tests/accounts)",
    ("GET", "/api/v1/tags/{name}"): "hashtags are public; `following` is the viewer's own",
    ("GET", "/api/v1/trends"): "public hashtag trends",
    ("GET", "/api/v1/trends/tags"): "public hashtag trends",
    ("GET", "/api/v1/streaming/health"): "liveness of the streaming API",
    # Operations endpoints of issue 5 (helpers A and C), no user data:
    ("GET", "/health"): "dependency states and degradation level for operators",
    ("GET", "/livez"): "process liveness",
    ("GET", "/readyz"): "readiness for load balancers",
    ("GET", "/metrics"): "Prometheus metrics (aggregates, no user data)",
}
