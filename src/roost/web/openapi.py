"""Roost's OpenAPI document: FastAPI's, completed with what the handlers read by hand.

Notes on design: most handlers read their parameters through ``roost.web.params`` (the
same endpoint takes a query string, a form, multipart or JSON, as Mastodon clients send
all four) and answer with plain JSON, so FastAPI's generated document knows neither
their parameters nor their response shapes. Rather than rewriting every route around
pydantic models (one signature per content type), the generated document is completed
here, once, when ``/openapi.json`` is first asked for:

- query parameters and request bodies the handlers read by hand (``_QUERY``, ``_BODIES``);
- response schemas for the Mastodon entities (``roost.web.openapi_entities``);
- the ``Error`` schema (``{"error": "..."}``) for every 4xx/5xx a route can give, and the
  status codes Roost adds outside the handlers (413 request too large, 429 rate limited,
  503 dependency down, 422 NUL characters refused at the edge).

The fuzz suite (tests/fuzz) sends schemathesis against this document and validates every
response against it, so a table entry that lies fails CI.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from roost.media.service import FOCUS
from roost.web.openapi_entities import ENTITIES

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
REF = "#/components/schemas/{model}"

# Every JSON route can answer these (with an Error body): a malformed body (400), a bad or
# missing token (401) or scope (403), an id naming nothing (404), an oversized request (413),
# invalid input or a NUL character (422), the rate limit (429), a dependency down (503).
_ERRORS = {
    "400": "Malformed request",
    "401": "Missing or invalid access token",
    "403": "Outside the token's scopes",
    "404": "Record not found",
    "413": "Request too large",
    "422": "Validation failed",
    "429": "Too many requests",
    "503": "A dependency (database or Redis) is unavailable; retry after Retry-After seconds",
}
_EDGE_ERRORS = ("413", "422", "429", "503")  # what even a static route can meet


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def _string(description: str | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (leading zeros allowed)."""
    digits = str(limit)
    options = [f"[0-9]{{1,{len(digits) - 1}}}", digits]
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            options.append(f"{digits[:i]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    return "^0*(" + "|".join(options) + ")$"


# Booleans: true/false, or (as text) Rails' spellings in any case: 1/0, t/f, true/false,
# on/off, yes/no, y/n; in JSON also 0 and 1. Empty text is the same as leaving it out.
_FLAG_TEXT = (
    "^([01]|[tT]([rR][uU][eE])?|[fF]([aA][lL][sS][eE])?|[oO][nN]|[oO][fF][fF]"
    "|[yY]([eE][sS])?|[nN][oO]?)?$"
)
_FLAG = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "integer", "enum": [0, 1]},
        {"type": "string", "pattern": _FLAG_TEXT},
    ]
}
# Ids are decimal strings that fit a signed 64-bit integer (anything else: 422 or 404).
_ID = _string("An id: a decimal string below 2**63", pattern=_at_most(2**63 - 1))
_IDS = {"type": "array", "items": _ID}
_OPTIONAL_ID = {"anyOf": [_ID, {"type": "string", "maxLength": 0}]}
_COUNT = {"type": "integer"}
_NUMBER_TEXT = _string("A whole number", pattern="^(-?[0-9]{1,18})?$")
_NATURAL_TEXT = _string("A whole number, 0 or more", pattern="^([0-9]{1,18})?$")
_VISIBILITY = {"type": "string", "enum": ["public", "unlisted", "private", "direct"]}

# --- response schemas (status 200 unless given) --------------------------------------------

_STATUS_ROUTES = (
    "/api/v1/statuses/{id}",
    "/api/v1/statuses/{id}/favourite",
    "/api/v1/statuses/{id}/unfavourite",
    "/api/v1/statuses/{id}/reblog",
    "/api/v1/statuses/{id}/unreblog",
)
_RELATIONSHIP_ROUTES = (
    "/api/v1/follow_requests/{id}/authorize",
    "/api/v1/follow_requests/{id}/reject",
    "/api/v1/accounts/{id}/follow",
    "/api/v1/accounts/{id}/unfollow",
    "/api/v1/accounts/{id}/block",
    "/api/v1/accounts/{id}/unblock",
    "/api/v1/accounts/{id}/mute",
    "/api/v1/accounts/{id}/unmute",
)
_ACCOUNT_LISTS = (
    "/api/v1/blocks",
    "/api/v1/follow_requests",
    "/api/v1/accounts/{id}/followers",
    "/api/v1/accounts/{id}/following",
    "/api/v1/statuses/{id}/favourited_by",
    "/api/v1/statuses/{id}/reblogged_by",
)
_STATUS_LISTS = (
    "/api/v1/favourites",
    "/api/v1/accounts/{id}/statuses",
    "/api/v1/timelines/home",
    "/api/v1/timelines/public",
    "/api/v1/timelines/tag/{hashtag}",
    "/api/v1/trends/statuses",
)

_RESPONSES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v1/instance"): _ref("Instance"),
    ("get", "/api/v2/instance"): _ref("InstanceV2"),
    ("post", "/api/v1/apps"): _ref("Application"),
    ("get", "/api/v1/apps/verify_credentials"): _ref("Application"),
    ("post", "/oauth/token"): _ref("Token"),
    ("post", "/oauth/revoke"): _ref("Empty"),
    ("post", "/api/v1/accounts"): _ref("Token"),
    ("get", "/api/v1/accounts/verify_credentials"): _ref("CredentialAccount"),
    ("patch", "/api/v1/accounts/update_credentials"): _ref("CredentialAccount"),
    ("get", "/api/v1/accounts/relationships"): _list("Relationship"),
    ("get", "/api/v1/accounts/lookup"): _ref("Account"),
    ("get", "/api/v1/accounts/{id}"): _ref("Account"),
    ("get", "/api/v1/mutes"): _list("MutedAccount"),
    ("post", "/api/v1/statuses"): _ref("Status"),
    ("delete", "/api/v1/statuses/{id}"): _ref("DeletedStatus"),
    ("get", "/api/v1/statuses/{id}/context"): _ref("Context"),
    ("get", "/api/v1/notifications"): _list("Notification"),
    ("get", "/api/v1/notifications/unread_count"): _ref("UnreadCount"),
    ("post", "/api/v1/notifications/clear"): _ref("Empty"),
    ("get", "/api/v1/notifications/{notification_id}"): _ref("Notification"),
    ("post", "/api/v1/notifications/{notification_id}/dismiss"): _ref("Empty"),
    ("get", "/api/v1/markers"): _ref("Markers"),
    ("post", "/api/v1/markers"): _ref("Markers"),
    ("post", "/api/v1/media"): _ref("MediaAttachment"),
    ("post", "/api/v2/media"): _ref("MediaAttachment"),
    ("get", "/api/v1/media/{id}"): _ref("MediaAttachment"),
    ("put", "/api/v1/media/{id}"): _ref("MediaAttachment"),
    ("get", "/api/v2/search"): _ref("SearchResults"),
    ("get", "/api/v1/trends"): _list("Tag"),
    ("get", "/api/v1/trends/tags"): _list("Tag"),
    ("get", "/api/v1/tags/{name}"): _ref("Tag"),
    ("post", "/api/v1/tags/{name}/follow"): _ref("Tag"),
    ("post", "/api/v1/tags/{name}/unfollow"): _ref("Tag"),
    ("get", "/api/v1/followed_tags"): _list("Tag"),
    **{("get" if p == _STATUS_ROUTES[0] else "post", p): _ref("Status") for p in _STATUS_ROUTES},
    **{("post", p): _ref("Relationship") for p in _RELATIONSHIP_ROUTES},
    **{("get", p): _list("Account") for p in _ACCOUNT_LISTS},
    **{("get", p): _list("Status") for p in _STATUS_LISTS},
}

# Other success codes: v2 media answers 202 while a large upload is processed, and GET media
# 206 until it is done.
_EXTRA_SUCCESS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/v2/media"): ("202",),
    ("get", "/api/v1/media/{id}"): ("206",),
    ("put", "/api/v1/media/{id}"): ("206",),
}

# --- parameters the handlers read by hand ---------------------------------------------------

_PAGE_IDS = ("max_id", "since_id", "min_id")
# Query parameters by route; they replace what FastAPI inferred from a ``str`` annotation.
_QUERY: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    # Ids that name no account are left out of the answer, as in Mastodon.
    ("get", "/api/v1/accounts/relationships"): {
        "id[]": {"type": "array", "items": _string()},
        "id": _string(),
    },
    ("get", "/api/v1/accounts/{id}/statuses"): {
        "exclude_replies": _FLAG,
        "exclude_reblogs": _FLAG,
        "only_media": _FLAG,
        "pinned": _FLAG,
        "tagged": _string("Only statuses with this hashtag"),
    },
    ("get", "/oauth/authorize"): {
        "client_id": _string(),
        "redirect_uri": _string(),
        "response_type": _string(enum=["code"]),
        "scope": _string(),
        "state": _string(),
    },
    ("get", "/api/v1/timelines/public"): {"local": _FLAG, "remote": _FLAG, "only_media": _FLAG},
    ("get", "/api/v1/timelines/tag/{hashtag}"): {
        "local": _FLAG,
        "remote": _FLAG,
        "only_media": _FLAG,
    },
    ("get", "/api/v2/search"): {
        "q": _string("What to look for", minLength=1),
        "type": _string("accounts, statuses or hashtags (anything else matches nothing)"),
        "resolve": _FLAG,
        "following": _FLAG,
        "account_id": _OPTIONAL_ID,
        "offset": _NATURAL_TEXT,
        "limit": _NATURAL_TEXT,
    },
    ("get", "/api/v1/notifications"): {"account_id": _OPTIONAL_ID},
    ("get", "/api/v1/notifications/unread_count"): {"account_id": _OPTIONAL_ID},
    **{
        ("get", path): {"offset": _NUMBER_TEXT, "limit": _NUMBER_TEXT}
        for path in ("/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses")
    },
    **{
        ("get", path): {
            "since_id": _string(
                "Replay events after this event id", pattern="^([0-9]+(-[0-9]*)?)?$"
            ),
            **({"tag": _string(minLength=1)} if path.endswith("/hashtag") else {}),
        }
        for path in (
            "/api/v1/streaming/user",
            "/api/v1/streaming/user/notification",
            "/api/v1/streaming/public",
            "/api/v1/streaming/public/local",
            "/api/v1/streaming/hashtag",
        )
    },
}

_STATUS_BODY = {
    "status": _string("The text"),
    "visibility": _VISIBILITY,
    "sensitive": _FLAG,
    "spoiler_text": _string(),
    "language": _string(),
    "in_reply_to_id": _ID,
    "media_ids": _IDS,
}
# A JSON number is taken as well as a string for ``last_read_id``.
_MARKER = {
    "type": "object",
    "properties": {
        "last_read_id": {"anyOf": [_ID, {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}]}
    },
    "required": ["last_read_id"],
}
_MEDIA_DETAILS = {
    "description": _string(),
    "focus": _string("x,y, each between -1.0 and 1.0", pattern=f"^({FOCUS.pattern})?$"),
}

# (properties, media types). Form and JSON carry the same names; ``name[]`` arrays in forms
# are JSON lists.
_BODIES: dict[tuple[str, str], tuple[dict[str, Any], tuple[str, ...]]] = {
    ("post", "/api/v1/apps"): (
        {
            "client_name": _string(),
            "redirect_uris": _string("One URI per line"),
            "scopes": _string("Space-separated scopes"),
            "website": _string(),
        },
        (JSON, FORM),
    ),
    ("post", "/oauth/token"): (
        {
            "grant_type": _string(enum=["authorization_code", "password", "client_credentials"]),
            "code": _string(),
            "redirect_uri": _string(),
            "client_id": _string(),
            "client_secret": _string(),
            "username": _string(),
            "password": _string(),
            "scope": _string(),
        },
        (JSON, FORM),
    ),
    ("post", "/oauth/revoke"): (
        {"client_id": _string(), "client_secret": _string(), "token": _string()},
        (JSON, FORM),
    ),
    ("post", "/oauth/authorize"): (
        {
            "client_id": _string(),
            "redirect_uri": _string(),
            "response_type": _string(enum=["code"]),
            "scope": _string(),
            "state": _string(),
            "decision": _string(enum=["allow", "deny"]),
            "username": _string(),
            "password": _string(),
        },
        (FORM,),
    ),
    ("post", "/api/v1/accounts"): (
        {
            "username": _string(),
            "email": _string(),
            "password": _string(),
            "agreement": _FLAG,
            "locale": _string(),
            "reason": _string(),
        },
        (JSON, FORM),
    ),
    ("patch", "/api/v1/accounts/update_credentials"): (
        {
            "display_name": _string(),
            "note": _string(),
            "locked": _FLAG,
            "bot": _FLAG,
            "discoverable": _FLAG,
        },
        (JSON, FORM, MULTIPART),
    ),
    ("post", "/api/v1/accounts/{id}/follow"): (
        {"reblogs": _FLAG, "notify": _FLAG},
        (JSON, FORM),
    ),
    ("post", "/api/v1/accounts/{id}/mute"): (
        {"notifications": _FLAG, "duration": {"anyOf": [_COUNT, _NUMBER_TEXT]}},
        (JSON, FORM),
    ),
    ("post", "/api/v1/statuses"): (_STATUS_BODY, (JSON, FORM)),
    ("post", "/api/v1/statuses/{id}/reblog"): (
        {"visibility": {"type": "string", "enum": ["public", "unlisted", "private"]}},
        (JSON, FORM),
    ),
    ("post", "/api/v1/markers"): (
        {
            "home": _MARKER,
            "notifications": _MARKER,
        },
        (JSON,),
    ),
    ("post", "/api/v1/media"): (
        {"file": {"type": "string", "format": "binary"}, **_MEDIA_DETAILS},
        (MULTIPART,),
    ),
    ("post", "/api/v2/media"): (
        {"file": {"type": "string", "format": "binary"}, **_MEDIA_DETAILS},
        (MULTIPART,),
    ),
    ("put", "/api/v1/media/{id}"): (_MEDIA_DETAILS, (JSON, FORM)),
}

_REQUIRED_BODY: dict[tuple[str, str], list[str]] = {
    ("post", "/api/v1/media"): ["file"],
    ("post", "/api/v2/media"): ["file"],
    ("post", "/api/v1/apps"): ["client_name", "redirect_uris"],
    ("post", "/api/v1/accounts"): ["username", "email", "password", "agreement"],
}

# Routes that answer something other than JSON on success.
_EVENT_STREAM = {
    "text/event-stream": {
        "schema": {
            "type": "object",
            "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
        }
    }
}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_PNG = {"image/png": {"schema": {"type": "string", "format": "binary"}}}
_STREAMS = (
    "/api/v1/streaming/user",
    "/api/v1/streaming/user/notification",
    "/api/v1/streaming/public",
    "/api/v1/streaming/public/local",
    "/api/v1/streaming/hashtag",
)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=__doc__
            )
            app.openapi_schema = complete(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add parameters, bodies, entity schemas and error responses to FastAPI's document."""
    _, definitions = models_json_schema(
        [(model, "serialization") for model in ENTITIES], ref_template=REF
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(definitions.get("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(method, path, operation)
    return document


def _complete_operation(method: str, path: str, operation: dict[str, Any]) -> None:
    key = (method, path)
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    described = {p["name"]: p for p in parameters if p["in"] == "query"}
    for name in _PAGE_IDS:
        if name in described:
            described[name]["schema"] = _OPTIONAL_ID
    if "limit" in described:
        # A query string's digits: "10.0", which JSON Schema calls an integer, is refused.
        described["limit"]["schema"] = _string("How many", pattern="^-?[0-9]{1,9}$")
    for name, schema in _QUERY.get(key, {}).items():
        if name in described:
            described[name]["schema"] = schema
        else:
            described[name] = {"name": name, "in": "query", "required": False, "schema": schema}
            parameters.append(described[name])
    if key == ("get", "/api/v2/search"):
        described["q"]["required"] = True
    if key == ("get", "/api/v1/streaming/hashtag"):
        described["tag"]["required"] = True
    if key == ("post", "/api/v1/statuses"):
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": _string("A retried post with the same key returns the first status"),
            }
        )
    if not parameters:
        operation.pop("parameters")
    if key in _BODIES:
        properties, media_types = _BODIES[key]
        body_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if key in _REQUIRED_BODY:
            body_schema["required"] = _REQUIRED_BODY[key]
        content = {media: {"schema": body_schema} for media in media_types}
        if JSON in content:
            # JSON may also say null for an optional field: the same as leaving it out.
            required = set(body_schema.get("required", []))
            content[JSON] = {
                "schema": body_schema
                | {
                    "properties": {
                        name: prop if name in required else {"anyOf": [prop, {"type": "null"}]}
                        for name, prop in properties.items()
                    }
                }
            }
        operation["requestBody"] = {"required": key in _REQUIRED_BODY, "content": content}
    operation["responses"] = _responses(key)


def _responses(key: tuple[str, str]) -> dict[str, Any]:
    _method, path = key
    responses: dict[str, Any] = {}
    if path in _STREAMS:
        responses["200"] = {"description": "Server-Sent Events", "content": _EVENT_STREAM}
    elif path == "/api/v1/streaming/health":
        responses["200"] = {
            "description": "OK",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
        return responses | _errors(_EDGE_ERRORS)
    elif path in ("/avatars/original/missing.png", "/headers/original/missing.png"):
        responses["200"] = {"description": "The image", "content": _PNG}
        responses["304"] = {"description": "Not modified (If-None-Match)"}
        return responses | _errors(_EDGE_ERRORS)
    elif path == "/oauth/authorize":
        # The sign-in page answers its errors as pages, or redirects them to a trusted client.
        responses["200"] = {"description": "The sign-in page", "content": _HTML}
        responses["302"] = {"description": "Back to the client's redirect URI"}
        for code in ("400", "401", "403", "404", "422"):
            responses[code] = {"description": _ERRORS[code], "content": _HTML}
        return responses | _errors(("413", "429", "503"))
    else:
        schema = _RESPONSES.get(key, {"type": "object"})
        responses["200"] = {"description": "OK", "content": {JSON: {"schema": schema}}}
        for code in _EXTRA_SUCCESS.get(key, ()):
            responses[code] = {
                "description": "Still processing",
                "content": {JSON: {"schema": schema}},
            }
    return responses | _errors(tuple(_ERRORS))


def _errors(codes: tuple[str, ...]) -> dict[str, Any]:
    return {
        code: {"description": _ERRORS[code], "content": {JSON: {"schema": _ref("Error")}}}
        for code in codes
    }
