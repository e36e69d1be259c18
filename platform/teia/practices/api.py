"""JSON API of the good-practice library (``practices:read``): published practices."""

from __future__ import annotations

from teia.core.api import api_blueprint

bp = api_blueprint("practices_api", __name__)
