"""Imports every domain's tables so that ``metadata`` is complete (Alembic, tests).

Only Alembic's env and test set-up import this module. It lives outside
``roost.db`` because the foundations must import no domain module.
"""

from roost.accounts import schema as accounts_schema
from roost.db.metadata import metadata
from roost.events import schema as events_schema
from roost.media import schema as media_schema
from roost.notifications import schema as notifications_schema
from roost.oauth import schema as oauth_schema
from roost.search import schema as search_schema
from roost.statuses import schema as statuses_schema
from roost.tags import schema as tags_schema
from roost.timelines import schema as timelines_schema
from roost.trends import schema as trends_schema

__all__ = [
    "accounts_schema",
    "events_schema",
    "media_schema",
    "metadata",
    "notifications_schema",
    "oauth_schema",
    "search_schema",
    "statuses_schema",
    "tags_schema",
    "timelines_schema",
    "trends_schema",
]
