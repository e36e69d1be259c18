"""The JSON API's common ground: ``/api/v1`` blueprints that answer 401 to strangers."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(_signed_in)
    return bp


def _signed_in() -> None:
    if not current_user.is_authenticated:
        abort(401)
