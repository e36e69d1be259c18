"""JSON API of the good-practice library (``practices:read``): published practices, searched
and filtered as on the library's page, for any professional of the platform. Drafts, practices
in review and archived ones are not here (404)."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import current_user
from pydantic import Field

from teia.core.api import MAX_ID, ApiModel, Id, UtcDateTime, api_blueprint, query_args, respond
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import memberships
from teia.practices import search, services
from teia.practices.models import AdoptionStatus, Practice
from teia.practices.services import Actor

bp = api_blueprint("practices_api", __name__)


class PracticeQuery(ApiModel):
    q: str | None = Field(None, max_length=200, description="Palavras (sem distinguir acentos)")
    tag: str | None = Field(None, max_length=40)
    consortium_id: Id | None = None
    council_id: Id | None = Field(None, description="Um município envolvido na prática")
    adopted_by_my_council: bool = False
    page: int = Field(1, ge=1, le=MAX_ID)


class Ref(ApiModel):
    id: int
    slug: str
    name: str


class AttachmentOut(ApiModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class AdoptionOut(ApiModel):
    council: Ref
    status: AdoptionStatus
    started_on: date | None
    how_it_went: str
    updated_at: UtcDateTime


class PracticeSummaryOut(ApiModel):
    id: int
    title: str
    consortium: Ref
    councils: list[Ref]
    tags: list[str]
    published_at: UtcDateTime


class PracticeOut(PracticeSummaryOut):
    problem: str
    what_was_done: str
    results: str
    resources: str
    attachments: list[AttachmentOut]
    adoptions: list[AdoptionOut]


class PracticeList(ApiModel):
    practices: list[PracticeSummaryOut]
    total: int
    page: int
    page_size: int


def _reader() -> Actor:
    """The caller as a reader of the library; 403 without any membership (the list has no
    object to hide, so it does not pretend to be missing)."""
    actor = services.actor_of(current_user.id, memberships())
    if not actor.is_reader:
        abort(403)
    return actor


def _summary(p: Practice) -> dict[str, object]:
    return {
        "id": p.id,
        "title": p.title,
        "consortium": p.consortium,
        "councils": sorted((c.tenant for c in p.councils), key=lambda t: t.name),
        "tags": list(p.tags or []),
        "published_at": p.published_at,
    }


@bp.get("/practices")
@documented(
    "Boas práticas publicadas (de todos os consórcios), mais recentes primeiro, 20 por "
    "página: pesquisa por palavras no título, problema, o que foi feito e resultados, e "
    "filtros por etiqueta, consórcio, município envolvido e adoção pelo meu município",
    tags=["practices"],
    query=PracticeQuery,
    response=PracticeList,
    scope="practices:read",
)
def list_practices():  # type: ignore[no-untyped-def]
    actor = _reader()
    args = query_args(PracticeQuery)
    filters = search.Filters(
        text=args.q or "",
        tag=args.tag or "",
        consortium_id=args.consortium_id,
        council_id=args.council_id,
        adopted_by=actor.council_ids if args.adopted_by_my_council else frozenset(),
    )
    found = search.search(db.session, filters, page=args.page, facets=False)
    return respond(
        PracticeList,
        {
            "practices": [_summary(p) for p in found.practices],
            "total": found.total,
            "page": found.page,
            "page_size": found.page_size,
        },
    )


@bp.get("/practices/<int:practice_id>")
@documented(
    "Uma boa prática publicada, com os ficheiros e as adoções registadas pelos municípios",
    tags=["practices"],
    response=PracticeOut,
    scope="practices:read",
)
def get_practice(practice_id: int):  # type: ignore[no-untyped-def]
    actor = services.actor_of(current_user.id, memberships())
    practice = services.published_practice(db.session, actor, practice_id)
    return respond(
        PracticeOut,
        {
            **_summary(practice),
            "problem": practice.problem,
            "what_was_done": practice.what_was_done,
            "results": practice.results,
            "resources": practice.resources,
            "attachments": practice.attachments,
            "adoptions": [
                {
                    "council": a.council,
                    "status": a.status,
                    "started_on": a.started_on,
                    "how_it_went": a.how_it_went,
                    "updated_at": a.updated_at,
                }
                for a in practice.adoptions
            ],
        },
    )
