"""Instance information (v1 and v2) and the default avatar and header images."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from roost.instance.entities import render_instance_v1, render_instance_v2
from roost.instance.images import MISSING_AVATAR, MISSING_HEADER, StaticImage
from roost.instance.service import instance_stats
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

_IMAGE_CACHE = "public, max-age=604800"  # a week: the images change only with a release


@router.get("/api/v1/instance")
async def instance_v1(state: AppState = Depends(get_state)) -> Response:
    stats = await instance_stats(db=state.db)
    return json_response(render_instance_v1(state.settings, stats))


@router.get("/api/v2/instance")
async def instance_v2(state: AppState = Depends(get_state)) -> Response:
    stats = await instance_stats(db=state.db)
    return json_response(render_instance_v2(state.settings, stats))


@router.get("/avatars/original/missing.png")
async def missing_avatar(request: Request) -> Response:
    return _image(request, MISSING_AVATAR)


@router.get("/headers/original/missing.png")
async def missing_header(request: Request) -> Response:
    return _image(request, MISSING_HEADER)


def _image(request: Request, image: StaticImage) -> Response:
    headers = {"Cache-Control": _IMAGE_CACHE, "ETag": image.etag}
    if image.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(image.body, media_type="image/png", headers=headers)
