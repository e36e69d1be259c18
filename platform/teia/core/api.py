"""The JSON API's common ground: ``/api/v1`` blueprints that answer 401 to strangers, bodies
and query strings read through pydantic models, answers written through them, one error shape.

A caller is a browser session (CSRF token required on writes) or a bearer token
(``teia.oauth.bearer``: no CSRF, and the operation's declared scope must be one of the
token's).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, NoReturn, TypeVar

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from teia.core.db import MAX_ID
from teia.core.security import csrf
from teia.oauth import bearer

API_PREFIX = "/api/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_LENGTH = 36  # the submission keys of the forms: a UUID
NUL = "\x00"  # valid JSON, but no PostgreSQL text column can hold it

M = TypeVar("M", bound=BaseModel)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # checked in _signed_in, for sessions only
    bp.before_request(_signed_in)
    return bp


def _signed_in() -> None:
    if not current_user.is_authenticated:
        abort(401)
    # ``documented`` (teia.core.openapi) attaches the operation, with the scope it needs.
    operation = getattr(current_app.view_functions[request.endpoint], "openapi_operation", None)
    bearer.authorize(operation is not None, operation.scope if operation else None)
    if bearer.current_api_token() is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


class ApiModel(BaseModel):
    """Bodies and answers: unknown keys refused, so a document and its code cannot drift."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Timestamps are stored as naive UTC; the API says so (``...Z``).
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
# A row's id in a body or a query string: within what the database can hold.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class FieldError(ApiModel):
    field: str
    message: str


class ErrorOut(ApiModel):
    """Every error under ``/api/``: a code, the status, and what to tell the user."""

    error: str
    status: int
    message: str | None = None
    errors: list[FieldError] | None = None


def error_response(
    status: int, error: str, message: str | None = None, errors: list[FieldError] | None = None
) -> Response:
    body = ErrorOut(error=error, status=status, message=message, errors=errors)
    response = jsonify(body.model_dump(mode="json", exclude_none=True))
    response.status_code = status
    return response


def invalid(errors: list[FieldError]) -> Response:
    return error_response(422, "invalid", errors=errors)


def rejected(exc: Exception) -> Response:
    """A service refused: 422 with its message, and the field when the service names one."""
    field = getattr(exc, "field", None)
    if field:
        return error_response(422, "invalid", str(exc), [FieldError(field=field, message=str(exc))])
    return error_response(422, "rejected", str(exc))


def _nul_at(data: object, path: tuple[str, ...] = ()) -> str | None:
    """Where ``data`` holds a NUL character, if anywhere: PostgreSQL text cannot store one."""
    if isinstance(data, str):
        return ".".join(path) if NUL in data else None
    if isinstance(data, list):
        data = dict(enumerate(data))
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        at = (*path, str(key))
        if NUL in str(key):
            return ".".join(at)
        found = _nul_at(value, at)
        if found is not None:
            return found
    return None


def _refuse_nul(field: str) -> NoReturn:
    abort(invalid([FieldError(field=field, message=_("O texto tem um carácter nulo (U+0000)."))]))


def _validated(model: type[M], data: object) -> M:
    where = _nul_at(data)
    if where is not None:
        _refuse_nul(where)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join(map(str, e["loc"])), message=e["msg"]) for e in exc.errors()
        ]
        abort(invalid(errors))


def json_body(model: type[M]) -> M:
    """The request's JSON body as ``model``; 422 with the fields in error otherwise."""
    return _validated(model, request.get_json(silent=True) or {})


def query_args(model: type[M]) -> M:
    """The query string as ``model`` (empty values count as absent)."""
    return _validated(model, {k: v for k, v in request.args.items() if v != ""})


def idempotency_key() -> str | None:
    """The client's one-time key for a create: the same key twice gives the first result."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if NUL in key:
        _refuse_nul(IDEMPOTENCY_HEADER)
    if len(key) > IDEMPOTENCY_KEY_LENGTH:
        message = _("Uma chave de idempotência tem até %(n)s caracteres.", n=IDEMPOTENCY_KEY_LENGTH)
        abort(invalid([FieldError(field=IDEMPOTENCY_HEADER, message=message)]))
    return key or None


def respond(model: type[BaseModel], value: object, status: int = 200) -> tuple[Response, int]:
    """``value`` (a dict or an object) written through ``model``: what the document says.

    Keys a dict leaves out stay out (a section the viewer may not see is absent, not null).
    """
    out = model.model_validate(value, from_attributes=True)
    return jsonify(out.model_dump(mode="json", exclude_unset=True)), status
