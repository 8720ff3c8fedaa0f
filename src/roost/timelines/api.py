"""Home, public and hashtag timelines."""

from fastapi import APIRouter

router = APIRouter()
