"""Reports in the browser: dashboards with charts per council and per consortium, requesting a
report, its progress while the worker builds it, and its files."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates")
