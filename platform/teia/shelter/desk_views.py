"""The consortium's regulation desk: the queue, the ranked candidates, offers, the log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shelter_desk", __name__, template_folder="templates")
