"""Mastodon media endpoints, and the media files themselves with cache headers.

Notes on design: the upload body is read here chunk by chunk and counted, so an
oversized upload is refused (413) as soon as it passes the limit, whatever its
Content-Length claims, instead of being spooled whole first; only then is it parsed
as multipart.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import UploadFile
from starlette.types import Message

from roost.errors import Validation
from roost.media import service
from roost.media.storage import storage_for
from roost.oauth.service import Viewer
from roost.web.auth import acting_account_id, user_with_scope
from roost.web.ids import path_id
from roost.web.params import Params, read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

WRITE_MEDIA = user_with_scope("write:media")
MULTIPART_OVERHEAD = 64 * 1024  # room for the other form fields and part headers
CACHE_FOREVER = "public, max-age=31536000, immutable"


def _details(params: Params) -> service.Details:
    return service.Details(description=params.text("description"), focus=params.text("focus"))


async def _bounded_request(request: Request, state: AppState) -> Request:
    """The request with its body read and counted (413 past the limit), ready to parse."""
    limit = state.settings.media_max_bytes + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise service.too_large(state.settings)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise service.too_large(state.settings)
        chunks.append(chunk)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive=replay)


async def _upload(
    request: Request, viewer: Viewer, state: AppState, *, allow_async: bool
) -> service.MediaResult:
    params = await read_params(await _bounded_request(request, state))
    upload = params.file("file")
    if not isinstance(upload, UploadFile):
        raise Validation("Validation failed: File can't be blank")
    data = await upload.read()
    return await service.upload(
        db=state.db,
        settings=state.settings,
        storage=storage_for(state.settings),
        account_id=acting_account_id(viewer),
        data=data,
        details=_details(params),
        allow_async=allow_async,
    )


@router.post("/api/v2/media")
async def upload_v2(
    request: Request,
    viewer: Viewer = Depends(WRITE_MEDIA),
    state: AppState = Depends(get_state),
) -> Response:
    result = await _upload(request, viewer, state, allow_async=True)
    return json_response(result.media, status_code=200 if result.state == "ready" else 202)


@router.post("/api/v1/media")
async def upload_v1(
    request: Request,
    viewer: Viewer = Depends(WRITE_MEDIA),
    state: AppState = Depends(get_state),
) -> Response:
    result = await _upload(request, viewer, state, allow_async=False)
    return json_response(result.media)


def _shown(result: service.MediaResult) -> Response:
    if result.state == "failed":
        raise Validation(service.PROCESSING_FAILED)
    return json_response(result.media, status_code=206 if result.state == "processing" else 200)


@router.get("/api/v1/media/{id}")
async def show_media(
    id: str, viewer: Viewer = Depends(WRITE_MEDIA), state: AppState = Depends(get_state)
) -> Response:
    result = await service.get_media(
        db=state.db,
        settings=state.settings,
        media_id=path_id(id),
        account_id=acting_account_id(viewer),
    )
    return _shown(result)


@router.put("/api/v1/media/{id}")
async def update_media(
    id: str,
    request: Request,
    viewer: Viewer = Depends(WRITE_MEDIA),
    state: AppState = Depends(get_state),
) -> Response:
    params = await read_params(request)
    result = await service.update_media(
        db=state.db,
        settings=state.settings,
        media_id=path_id(id),
        account_id=acting_account_id(viewer),
        details=_details(params),
    )
    return _shown(result)


@router.api_route("/system/media/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def media_file(key: str, request: Request, state: AppState = Depends(get_state)) -> Response:
    """A stored file: immutable (its name is its hash), so caches may keep it for a year."""
    stored = await service.stored_file(storage=storage_for(state.settings), key=key)
    headers = {"ETag": stored.etag, "Cache-Control": CACHE_FOREVER}
    if _matches(request.headers.get("if-none-match"), stored.etag):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else stored.data
    headers["Content-Length"] = str(len(stored.data))
    return Response(body, media_type=stored.content_type, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or any listed tag (weak comparison, as the RFC asks)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
