"""Mastodon endpoints for accounts and relationships."""

from fastapi import APIRouter

router = APIRouter()
