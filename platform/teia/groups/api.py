"""JSON API of working groups (``groups:read``): the caller's groups and their vignettes,
as members see them."""

from __future__ import annotations

from teia.core.api import api_blueprint

bp = api_blueprint("groups_api", __name__)
