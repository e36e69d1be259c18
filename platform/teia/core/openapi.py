"""The OpenAPI 3.1 document of ``/api/v1``, built from the routes and their pydantic models.

Each API view carries its description (:func:`documented`); the document walks the URL map,
so a route cannot exist without appearing in it (an undocumented one is an error), and the
schemas are the very models the views validate bodies and write answers with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from teia.core.api import (
    API_PREFIX,
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_LENGTH,
    MAX_ID,
    ErrorOut,
)
from teia.oauth.scopes import SCOPE_LABELS, Scope

F = TypeVar("F", bound=Callable[..., Any])
_SCOPES = frozenset(s.value for s in Scope)

REF_TEMPLATE = "#/components/schemas/{model}"
CSRF_HEADER = "X-CSRFToken"
TOKEN_URL = "/oauth/token"  # noqa: S105 - a path, not a secret
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_ERRORS = {
    400: "Pedido inválido (sem o token CSRF, ou com sessão e token ao mesmo tempo)",
    401: "Sessão ou token necessário (ou o token expirou ou foi revogado)",
    403: "O papel no município não o permite, ou o token não tem o âmbito necessário",
    404: "Não existe, ou não é visível para quem pergunta",
    422: "Dados inválidos ou operação recusada",
}


@dataclass(frozen=True)
class Operation:
    """What the document says of one view."""

    summary: str
    tags: tuple[str, ...]
    response: type[BaseModel] | None  # None: the answer is a file (``files``)
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    idempotent: bool  # reads the Idempotency-Key header: 200 when the key was already used
    public: bool  # no session needed
    more: tuple[tuple[int, str, type[BaseModel]], ...]  # other answers: (status, text, model)
    scope: str | None  # what a bearer token needs (teia.oauth.scopes); None: any token
    files: tuple[str, ...] = ()  # the media types of a file answer

    def answers(self) -> dict[int, tuple[str, type[BaseModel] | None]]:
        """Every documented non-error answer, by status."""
        out: dict[int, tuple[str, type[BaseModel] | None]] = {
            self.status: ("Criado" if self.status == 201 else "OK", self.response)
        }
        if self.idempotent:
            out[200] = ("Já criado antes com a mesma chave de idempotência", self.response)
        for status, text, model in self.more:
            out[status] = (text, model)
        return out

    def error_statuses(self, rule: Rule, method: str) -> list[int]:
        """The error answers any such route can give (all with :class:`ErrorOut`)."""
        if self.public:
            statuses = []
        else:  # 400: also a session and a token at once; 403: a token without the scope
            statuses = [400, 401]
            if "tenant" in rule.arguments or self.scope:
                statuses.append(403)
        if rule.arguments:
            statuses.append(404)
        if self.query or method in WRITE_METHODS:  # invalid, or refused by the service
            statuses.append(422)
        return sorted(statuses)

    def model_for(self, status: int) -> type[BaseModel] | None:
        """The model of the answer's body; ``None`` for a file."""
        answer = self.answers().get(status)
        return answer[1] if answer else ErrorOut


def documented(
    summary: str,
    *,
    tags: Sequence[str],
    response: type[BaseModel] | None = None,
    files: Sequence[str] = (),
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    idempotent: bool = False,
    public: bool = False,
    more: Sequence[tuple[int, str, type[BaseModel]]] = (),
    scope: str | None,
) -> Callable[[F], F]:
    """Describe an API view for the OpenAPI document (the view itself is unchanged).

    ``scope`` must be given: the one a bearer token needs to call it (``None``: any token,
    for questions about the caller itself; public views pass ``None`` too). The answer is
    JSON written through ``response``, or a file of one of the media types ``files``.
    """
    if scope is not None and scope not in _SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if (response is None) == (not files):
        raise ValueError("an operation answers JSON (response) or a file (files)")
    operation = Operation(
        summary,
        tuple(tags),
        response,
        status,
        body,
        query,
        idempotent,
        public,
        tuple(more),
        scope,
        tuple(files),
    )

    def decorator(view: F) -> F:
        view.openapi_operation = operation  # type: ignore[attr-defined]
        return view

    return decorator


def operation_of(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, "openapi_operation", None)


def api_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(API_PREFIX)),
        key=lambda r: (r.rule, r.endpoint),
    )


def openapi_path(rule: str) -> str:
    """``/t/<tenant>/cases/<int:case_id>`` → ``/t/{tenant}/cases/{case_id}``."""
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        param: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": schema}
        if name == "tenant":
            param["description"] = "O município (o seu identificador, p. ex. mourao)"
        params.append(param)
    return params


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under ``/api/v1``."""
    routes: list[tuple[Rule, str, Operation]] = []
    for rule in api_rules(app):
        operation = operation_of(app.view_functions[rule.endpoint])
        if operation is None:
            raise LookupError(f"{rule.endpoint} ({rule.rule}) has no @documented")
        routes.extend(
            (rule, method, operation) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        )
    keys: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ErrorOut, "serialization"): None}
    for _rule, _method, op in routes:
        keys.update({(m, "serialization"): None for _s, (_t, m) in op.answers().items() if m})
        keys.update({(m, "validation"): None for m in (op.body, op.query) if m})
    refs, top = models_json_schema(list(keys), ref_template=REF_TEMPLATE)
    schemas = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, op in routes:
        paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(
            rule, method, op, refs, schemas
        )
    # A query model is spelled out as parameters; it is not a schema of its own.
    for _rule, _method, op in routes:
        if op.query:
            schemas.pop(_name(refs[(op.query, "validation")]), None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Teia API",
            "version": API_PREFIX.rsplit("/", 1)[1],
            "description": (
                "A API da Teia: as mesmas operações e as mesmas regras de acesso das páginas. "
                "Um parceiro só vê o que as partilhas ativas lhe abrem; o resto responde 404."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config["SESSION_COOKIE_NAME"],
                    "description": "A sessão iniciada em /login.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": CSRF_HEADER,
                    "description": "O token CSRF da sessão, obrigatório em cada escrita.",
                },
                "oauth2": {
                    "type": "oauth2",
                    "description": (
                        "Sistemas de entidades parceiras: credenciais de cliente, tokens de 15 "
                        "minutos. Um cliente age como profissional parceiro da sua entidade."
                    ),
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": TOKEN_URL,
                            "scopes": {s.value: str(SCOPE_LABELS[s]) for s in Scope},
                        }
                    },
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Um token pessoal (criado em /account/tokens) ou de cliente.",
                },
            },
        },
    }


def _name(ref: dict[str, Any]) -> str:
    return ref["$ref"].rsplit("/", 1)[1]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(
    rule: Rule,
    method: str,
    op: Operation,
    refs: dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    parameters = _path_parameters(rule.rule)
    if op.query:
        definition = schemas[_name(refs[(op.query, "validation")])]
        required = set(definition.get("required", ()))
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": _absent(schema)}
            for name, schema in definition["properties"].items()
        ]
    if op.idempotent:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "Chave única do pedido: repetido, devolve o que o primeiro criou.",
                "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_LENGTH},
            }
        )
    responses = {
        str(status): {
            "description": text,
            "content": _json(refs[(model, "serialization")])
            if model
            else {media: {} for media in op.files},
        }
        for status, (text, model) in sorted(op.answers().items())
    }
    error = _json(refs[(ErrorOut, "serialization")])
    for status in op.error_statuses(rule, method):
        responses.setdefault(str(status), {"description": _ERRORS[status], "content": error})
    operation_id = rule.endpoint.replace(".", "_")
    if len(rule.methods - {"HEAD", "OPTIONS"}) > 1:
        operation_id += "_" + method.lower()
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": op.summary,
        "tags": list(op.tags),
        "parameters": parameters,
        "responses": responses,
        "security": _security(op, method),
    }
    if op.body:
        operation["requestBody"] = {
            "required": True,
            "content": _json(refs[(op.body, "validation")]),
        }
    return operation


def _absent(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is left out rather than null: ``anyOf [X, null]`` is just X."""
    options = schema.get("anyOf", [])
    if len(options) != 2 or {"type": "null"} not in options:
        return schema
    [kept] = [o for o in options if o != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return kept | rest


def _security(op: Operation, method: str) -> list[dict[str, list[str]]]:
    """A session (with the CSRF header on writes), or a token with the operation's scope."""
    if op.public:
        return []
    session = {"session": [], "csrf": []} if method in WRITE_METHODS else {"session": []}
    scopes = [op.scope] if op.scope else []
    return [session, {"oauth2": scopes}, {"bearer": scopes}]


class OpenApiDocument(BaseModel):
    """The document itself (its own schema is OpenAPI's)."""

    model_config = ConfigDict(extra="allow")
    openapi: Literal["3.1.0"]
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)


@bp.get("/openapi.json")
@documented(
    "O documento OpenAPI desta API",
    tags=["meta"],
    response=OpenApiDocument,
    public=True,
    scope=None,
)
def document():  # type: ignore[no-untyped-def]
    """Public: the document describes operations, never data."""
    cache = current_app.extensions
    if "teia_openapi" not in cache:
        cache["teia_openapi"] = build_document(current_app._get_current_object())  # type: ignore[attr-defined]
    return jsonify(cache["teia_openapi"])
