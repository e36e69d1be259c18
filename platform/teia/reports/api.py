"""JSON API of reports (``reports:read``): runs, their progress and figures."""

from __future__ import annotations

from teia.core.api import api_blueprint

bp = api_blueprint("reports_api", __name__)
