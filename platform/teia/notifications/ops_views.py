"""The operators' view of reminders and e-mail delivery: due, sent and failed, per council."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reminder_ops", __name__, template_folder="templates")
