"""The good-practice library: search, write, review, publish, attach files, record adoption."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practices", __name__, template_folder="templates")
