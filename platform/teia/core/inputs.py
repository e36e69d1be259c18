"""Input no row can hold, refused at the edge of every page and API route.

- An id in a URL past the largest ``integer`` (PostgreSQL int4) names no row: the ``int``
  converter stops at :data:`~teia.core.db.MAX_ID`, so ``/cases/99999999999999999999`` is a 404
  like any other missing case, not a database overflow.
- No PostgreSQL text can hold a NUL character (U+0000): one in the path, or in a page's query
  string or form, is a 400 with that said. (API bodies and query strings are checked by
  :mod:`teia.core.api`, which names the field.)
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from teia.core.api import API_PREFIX
from teia.core.db import MAX_ID
from teia.core.errors import refuse

NUL = "\x00"


class RowIdConverter(IntegerConverter):
    """``<int:...>`` as every route uses it: past :data:`MAX_ID` the URL names nothing (404).

    Not werkzeug's ``max``: a value past it makes the rule not match, and the matcher then
    answers 405 when the same path has a rule for another method."""

    def to_python(self, value: str) -> int:
        number = int(super().to_python(value))
        if number > MAX_ID:
            raise NotFound()
        return number


def init_app(app: Flask) -> None:
    """Before any route is added (converters are bound when a rule is), and before the scope
    is resolved from the URL (it reads the tenant's slug)."""
    app.url_map.converters["int"] = RowIdConverter
    app.url_value_preprocessor(_refuse_nul)


def _refuse_nul(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    fields = [request.path]
    if not request.path.startswith(API_PREFIX):
        fields += [*request.args.values(), *request.form.values()]
    if any(NUL in value for value in fields):
        refuse(400, _("O pedido tem um carácter nulo (U+0000), que nenhum texto pode guardar."))
