"""The JSON API's common ground: ``/api/v1`` blueprints that answer 401 to strangers, bodies
and query strings read through pydantic models, answers written through them, one error shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, TypeVar

from flask import Blueprint, Response, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

API_PREFIX = "/api/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_LENGTH = 36  # the submission keys of the forms: a UUID

M = TypeVar("M", bound=BaseModel)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    bp.before_request(_signed_in)
    return bp


def _signed_in() -> None:
    if not current_user.is_authenticated:
        abort(401)


class ApiModel(BaseModel):
    """Bodies and answers: unknown keys refused, so a document and its code cannot drift."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Timestamps are stored as naive UTC; the API says so (``...Z``).
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


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


def _validated(model: type[M], data: object) -> M:
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
