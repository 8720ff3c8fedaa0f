"""JSON responses serialized with orjson straight to bytes.

Notes on design: returning dicts from FastAPI handlers sends them through
``jsonable_encoder``, which costs about a millisecond of CPU for a page of
statuses. Handlers build plain JSON-ready data (strings, numbers, lists, dicts)
and return it through ``json_response``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


class OrjsonResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(content),
        status_code=status_code,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )
