"""Working groups: the list of one's groups, a group's page, forming groups, members, the
constraints register."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("groups", __name__, template_folder="templates")
