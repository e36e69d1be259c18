"""A group's meetings: agenda, invitations and attendance, minutes, decisions and action
items; approved minutes are read-only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings", __name__, template_folder="templates")
