"""JSON API of working groups (``groups:read``): the caller's groups and their vignettes,
as members see them.

The same rules as the pages: a group answers 404 to anyone without a seat in it (platform
admins included), a vignette is read only through its group and every read is audited, a
withdrawn vignette has no content and no discussion, and nothing here carries a case's id.
"""

from __future__ import annotations

from typing import Any

from flask import abort

from teia.cases.labels import ACTION_STATUS, AREA, CASE_STATUS, RELATIONSHIP, RISK_FLAG, resolved
from teia.core.api import ApiModel, UtcDateTime, api_blueprint, respond
from teia.core.db import db
from teia.core.openapi import documented
from teia.groups import vignettes
from teia.groups.access import my_seats, seat
from teia.groups.models import MemberRole, Vignette, VignetteStatus

bp = api_blueprint("groups_api", __name__)
SCOPE = "groups:read"


class GroupOut(ApiModel):
    id: int
    name: str
    theme: str
    consortium: str | None
    council: str | None  # the council the caller speaks for there (None: the consortium)
    role: MemberRole


class GroupList(ApiModel):
    groups: list[GroupOut]


class VignetteSummaryOut(ApiModel):
    id: int
    title: str
    status: VignetteStatus
    source_council: str
    author: str | None
    published_at: UtcDateTime
    withdrawn_at: UtcDateTime | None
    comments: int


class VignetteList(ApiModel):
    vignettes: list[VignetteSummaryOut]


class Labelled(ApiModel):
    code: str
    label: str


class PersonOut(ApiModel):
    age_band: str | None
    sex: Labelled | None
    relationship: Labelled | None


class HouseholdMemberOut(ApiModel):
    relationship: Labelled
    age_band: str | None


class ActionOut(ApiModel):
    text: str
    status: Labelled
    tried: bool
    overdue: bool
    note: str


class GoalOut(ApiModel):
    text: str
    actions: list[ActionOut]


class BlockerOut(ApiModel):
    kind: Labelled
    text: str
    area: Labelled | None = None
    organization: str | None = None
    answer: str | None = None


class VignetteContentOut(ApiModel):
    person: PersonOut
    household: list[HouseholdMemberOut]
    areas: list[Labelled]
    risk_flags: list[Labelled]
    case_status: Labelled
    months_open: int
    situation: str
    goals: list[GoalOut]
    blockers: list[BlockerOut]


class CommentOut(ApiModel):
    id: int
    kind: str
    author: str | None
    body: str
    created_at: UtcDateTime


class VignetteOut(ApiModel):
    id: int
    title: str
    question: str
    status: VignetteStatus
    source_council: str
    author: str | None
    published_at: UtcDateTime
    withdrawn_at: UtcDateTime | None
    content: VignetteContentOut | None
    comments: list[CommentOut]


def _labelled(code: str | None, labels: dict[str, str]) -> dict[str, str] | None:
    if code is None:
        return None
    return {"code": code, "label": labels.get(code, code)}


def content_out(content: dict[str, Any]) -> dict[str, Any] | None:
    """The stored content with its codes labelled (``None`` once withdrawn)."""
    if not content:
        return None
    relationships = resolved(RELATIONSHIP)
    areas = resolved(AREA)
    blockers = []
    for b in content["blockers"]:
        row: dict[str, Any] = {
            "kind": _labelled(b["kind"], resolved(vignettes.BLOCKER_KIND)),
            "text": b["text"],
        }
        if "area" in b:
            row.update(
                area=_labelled(b["area"], areas), organization=b["organization"], answer=b["answer"]
            )
        blockers.append(row)
    person = content["person"]
    return {
        "person": {
            "age_band": person["age_band"],
            "sex": _labelled(person["sex"], resolved(vignettes.SEX)),
            "relationship": _labelled(person["relationship"], relationships),
        },
        "household": [
            {"relationship": _labelled(m["relationship"], relationships), "age_band": m["age_band"]}
            for m in content["household"]
        ],
        "areas": [_labelled(a, areas) for a in content["areas"]],
        "risk_flags": [_labelled(r, resolved(RISK_FLAG)) for r in content["risk_flags"]],
        "case_status": _labelled(content["case_status"], resolved(CASE_STATUS)),
        "months_open": content["months_open"],
        "situation": content["situation"],
        "goals": [
            {
                "text": g["text"],
                "actions": [
                    {**a, "status": _labelled(a["status"], resolved(ACTION_STATUS))}
                    for a in g["actions"]
                ],
            }
            for g in content["goals"]
        ],
        "blockers": blockers,
    }


def _summary(v: Vignette, comments: int) -> dict[str, Any]:
    return {
        "id": v.id,
        "title": v.title,
        "status": v.status,
        "source_council": v.source_tenant.name,
        "author": v.author.name if v.author else None,
        "published_at": v.published_at,
        "withdrawn_at": v.withdrawn_at,
        "comments": comments,
    }


@bp.get("/groups")
@documented(
    "Os grupos de trabalho de que faz parte, com o município por que participa e o papel",
    tags=["groups"],
    response=GroupList,
    scope=SCOPE,
)
def my_groups():  # type: ignore[no-untyped-def]
    rows = [
        {
            "id": s.group.id,
            "name": s.group.name,
            "theme": s.group.theme,
            "consortium": s.group.consortium.name if s.group.consortium else None,
            "council": s.member.tenant.name if s.member.tenant else None,
            "role": s.member.role,
        }
        for s in my_seats(db.session)
    ]
    return respond(GroupList, {"groups": rows})


@bp.get("/groups/<int:group_id>/vignettes")
@documented(
    "As vinhetas do grupo (casos trazidos à discussão, sem identificação), mais recentes "
    "primeiro; só para os membros do grupo",
    tags=["groups"],
    response=VignetteList,
    scope=SCOPE,
)
def group_vignettes(group_id: int):  # type: ignore[no-untyped-def]
    seat(db.session, group_id)
    rows = [_summary(v, n) for v, n in vignettes.group_vignettes(db.session, group_id)]
    return respond(VignetteList, {"vignettes": rows})


@bp.get("/groups/<int:group_id>/vignettes/<int:vignette_id>")
@documented(
    "Uma vinheta do grupo: o conteúdo pseudonimizado que a autora ou o autor pré-visualizou, "
    "a pergunta e a discussão (cada leitura fica registada)",
    tags=["groups"],
    response=VignetteOut,
    scope=SCOPE,
)
def vignette(group_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    seat(db.session, group_id)
    found = vignettes.load(db.session, group_id, vignette_id)
    if found is None:
        abort(404)
    vignettes.record_read(db.session, found, "api")
    comments = vignettes.visible_comments(db.session, found)
    body = {
        **_summary(found, len(comments)),
        "question": found.question,
        "content": content_out(found.content),
        "comments": [
            {
                "id": c.id,
                "kind": str(c.kind),
                "author": c.author.name if c.author else None,
                "body": c.body,
                "created_at": c.created_at,
            }
            for c in comments
        ],
    }
    return respond(VignetteOut, body)
