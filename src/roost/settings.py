"""Every setting Roost reads, in one place.

Values come from ``ROOST_*`` environment variables or an optional ``.env`` file.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrationMode(StrEnum):
    open = "open"
    approval = "approval"
    closed = "closed"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROOST_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("roost-data"), description="Folder for the SQLite file and media.")
    database_url: str | None = Field(
        None, description="postgresql://user@host:port/db; unset means SQLite in the data folder."
    )
    redis_url: str | None = Field(None, description="redis://host:port/db (timeline engine).")
    instance_domain: str = Field("localhost:8000", description="Domain shown in acct and URLs.")
    instance_title: str = Field("Roost", description="Instance name shown to clients.")
    instance_description: str = Field("A Roost social server.", description="Instance blurb.")
    contact_email: str = Field("admin@localhost", description="Instance contact address.")
    public_url: str | None = Field(
        None, description="Base URL clients reach (default http://<instance_domain>)."
    )
    registrations: RegistrationMode = Field(
        RegistrationMode.open, description="open, approval (accounts wait) or closed."
    )
    max_status_chars: int = Field(500, description="Longest status text accepted.")
    timeline_preview: bool = Field(
        True, description="Let visitors without a token read the public and hashtag timelines."
    )
    db_pool_size: int = Field(10, description="PostgreSQL connection pool size.")
    password_min_length: int = Field(8, description="Shortest password accepted.")

    @cached_property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.instance_domain}").rstrip("/")

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The async driver URL: plain postgres URLs get asyncpg, no URL means SQLite."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.sqlite_path.resolve()}"
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @property
    def sqlite_path(self) -> Path:
        """The embedded database file (used when ``database_url`` is unset)."""
        return self.data_dir / "roost.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"
