"""JSON API of the shelter pool (``places:read``)."""

from __future__ import annotations

from teia.core.api import api_blueprint

bp = api_blueprint("shelter_api", __name__)
