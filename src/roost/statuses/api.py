"""Mastodon endpoints for statuses, favourites and reblogs."""

from fastapi import APIRouter

router = APIRouter()
