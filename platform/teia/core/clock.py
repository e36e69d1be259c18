"""Today's date where the council is: deadlines and expiries are counted in local days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import g, has_app_context


def today(timezone: str | None = None) -> date:
    """The date now in ``timezone``, else in the council in scope, else in UTC."""
    if timezone is None and has_app_context():
        tenant = g.get("tenant")
        timezone = tenant.timezone if tenant is not None else None
    return datetime.now(ZoneInfo(timezone) if timezone else UTC).date()
