"""Request parameters the way Mastodon (Rails) reads them: query, form, multipart or JSON.

Notes on design: Mastodon clients send the same endpoint form-encoded (Mastodon.py),
as JSON (web clients) or as multipart (profile updates with images). Pydantic body
models would need one signature per content type, so endpoints that must accept all
three read a ``Params`` instead: body values win over query values, as in Rails, and
``name[]`` arrays are the same as JSON lists.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile

from roost.errors import DomainError, Validation
from roost.web.null_bytes import NULL_BYTE_ERROR

# The spellings Rails' boolean cast knows. Rails casts any other text to true; Roost refuses
# it (422) instead, so a typo is an error rather than a silent "yes" (strict validation).
_TRUE = frozenset({"1", "t", "true", "on", "yes", "y"})
_FALSE = frozenset({"0", "f", "false", "off", "no", "n"})


def parse_flag(value: str | None, name: str) -> bool | None:
    """A boolean from text: None when absent or empty, 422 when not a boolean spelling."""
    if value is None or value == "":
        return None
    text = value.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Validation(f"Validation failed: {name} must be true or false")


class Params:
    """Read-only access to one request's parameters, whatever their encoding."""

    def __init__(self, values: dict[str, list[Any]]) -> None:
        self._values = values

    def has(self, name: str) -> bool:
        return name in self._values or f"{name}[]" in self._values

    def text(self, name: str) -> str | None:
        """The last value given for ``name`` as text; None if absent or a file."""
        values = self._values.get(name)
        if not values:
            return None
        value = values[-1]
        if value is None:
            return None
        # A number, boolean, list, object or file where text is expected is refused rather
        # than turned into "0", "false" or "[...]" (Mastodon's entities send ids as strings).
        if not isinstance(value, str):
            raise Validation(f"Validation failed: {name} must be a string")
        return value

    def raw(self, name: str) -> Any:
        """The last value of ``name`` as sent (a JSON object stays a dict); None if absent."""
        values = self._values.get(name)
        return values[-1] if values else None

    def texts(self, name: str) -> list[str]:
        """Every value of ``name`` or ``name[]`` (a JSON list counts as many values)."""
        found: list[str] = []
        for key in (name, f"{name}[]"):
            for value in self._values.get(key, []):
                items = value if isinstance(value, list) else [value]
                found.extend(str(item) for item in items if isinstance(item, str | int))
        return found

    def flag(self, name: str) -> bool | None:
        """A boolean: true/false (and Rails' other spellings, 1/0, on/off, ...); else 422."""
        values = self._values.get(name)
        if not values:
            return None
        value = values[-1]
        if isinstance(value, bool):
            return value
        if value is None:
            return None
        if isinstance(value, list | dict | UploadFile):
            raise Validation(f"Validation failed: {name} must be true or false")
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON 1.0 is the number 1
        return parse_flag(str(value), name)

    def file(self, name: str) -> UploadFile | None:
        values = self._values.get(name) or []
        return next((value for value in values if isinstance(value, UploadFile)), None)


async def read_params(request: Request) -> Params:
    """Merge the query string with the body (form, multipart or JSON object)."""
    values: dict[str, list[Any]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body: dict[str, list[Any]] = {}
    if content_type == "application/json":
        raw = await request.body()
        if raw.strip():
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise DomainError("Error while parsing request: invalid JSON") from None
            if not isinstance(data, dict):
                raise DomainError("Error while parsing request: expected a JSON object")
            body = {str(key): [value] for key, value in data.items()}
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for key, item in form.multi_items():
            body.setdefault(key, []).append(item)
    values.update(body)
    if any(_holds_null(value) for items in values.values() for value in items):
        raise Validation(NULL_BYTE_ERROR)
    return Params(values)


def _holds_null(value: Any) -> bool:
    """True for a NUL in any text, however deeply nested in JSON (see roost.web.null_bytes)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_holds_null(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_null(key) or _holds_null(item) for key, item in value.items())
    return False
