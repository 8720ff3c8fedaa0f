"""Registration and the signed-in user's own account (verify and update credentials)."""

from fastapi import APIRouter

router = APIRouter()
