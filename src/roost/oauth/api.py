"""OAuth apps, the authorize page, token and revoke endpoints."""

from fastapi import APIRouter

router = APIRouter()
