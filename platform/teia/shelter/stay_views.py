"""Stays: PIA/PIF, reviews, contacts, blockers, the prolonged-stays board, discharge, follow-up."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shelter_stays", __name__, template_folder="templates")
