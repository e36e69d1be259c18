"""The quality indicators of the seed's six dimensions, per unit, council and consortium."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shelter_indicators", __name__, template_folder="templates")
