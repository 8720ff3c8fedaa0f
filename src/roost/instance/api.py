"""Instance information (v1 and v2)."""

from fastapi import APIRouter

router = APIRouter()
