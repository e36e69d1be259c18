"""Case vignettes: built from a case and previewed in the author's council, published to a
group, read, commented, withdrawn; what was adopted goes back to the case."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("vignettes", __name__, template_folder="templates")
