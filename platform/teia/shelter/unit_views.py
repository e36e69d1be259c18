"""Units and places (the host council's admin), the unit staff's offers and residents."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shelter_units", __name__, template_folder="templates")
