"""Clear answers for what went wrong: a page in Portuguese, or JSON under ``/api/``."""

from __future__ import annotations

from typing import NoReturn

from flask import (
    Flask,
    abort,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from teia.core.scope import wants_json

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
}
_TITLES = {
    400: _l("Pedido inválido"),
    401: _l("Sessão necessária"),
    403: _l("Sem permissão"),
    404: _l("Página não encontrada"),
    405: _l("Operação não permitida"),
    409: _l("Alteração recusada"),
    413: _l("Ficheiro demasiado grande"),
    429: _l("Demasiadas tentativas"),
    500: _l("Erro interno"),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):  # type: ignore[no-untyped-def]
        message = _("O formulário expirou ou não veio desta página. Volte atrás e tente de novo.")
        return _answer(400, message, code="csrf_failed")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        if status == 401 and not wants_json():
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return _answer(status, None)  # werkzeug's descriptions are English: the title only

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        return _answer(500, None)


def refuse(status: int, message: str, code: str | None = None) -> NoReturn:
    """End the request with ``status`` and a message for the person (or the API client)."""
    abort(make_response(_answer(status, message, code)))


def _answer(status: int, message: str | None, code: str | None = None):  # type: ignore[no-untyped-def]
    title = str(_TITLES.get(status, _l("Erro")))
    if wants_json():
        body = {
            "error": code or _CODES.get(status, "error"),
            "status": status,
            "message": message or title,
        }
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status
