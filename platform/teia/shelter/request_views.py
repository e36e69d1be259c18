"""The requesting council: placement requests, the on-call quick decision, admission."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shelter_requests", __name__, template_folder="templates")
