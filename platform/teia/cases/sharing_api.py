"""JSON API for working with partners: referrals and their answers, and case shares."""

from __future__ import annotations

from flask import abort

from teia.cases import referrals, sharing
from teia.cases.access import case_access, current_viewer, require_staff
from teia.cases.api import staff_access
from teia.cases.models import CaseShare
from teia.cases.schemas_api import (
    AnswerIn,
    ReferralIn,
    ReferralList,
    ReferralOut,
    ReferralQuery,
    ShareIn,
    ShareOut,
)
from teia.cases.services import PAGE_SIZE, CaseError
from teia.core.api import api_blueprint, json_body, query_args, rejected, respond
from teia.core.clock import today
from teia.core.db import db
from teia.core.openapi import documented

bp = api_blueprint("sharing_api", __name__)


@bp.get("/t/<tenant>/referrals")
@documented(
    "Encaminhamentos, por prazo e por páginas: todos os do município (equipa) ou os dirigidos "
    "à entidade de quem pergunta (parceiro, ou o sistema da entidade)",
    tags=["referrals"],
    query=ReferralQuery,
    response=ReferralList,
    scope="referrals:read",
)
def inbox():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    args = query_args(ReferralQuery)
    rows, total = referrals.referral_page(db.session, viewer, args.status, args.page)
    return respond(
        ReferralList,
        {"referrals": rows, "total": total, "page": args.page, "page_size": PAGE_SIZE},
    )


@bp.post("/t/<tenant>/cases/<int:case_id>/referrals")
@documented(
    "Encaminhar o processo para uma entidade parceira",
    tags=["referrals"],
    body=ReferralIn,
    response=ReferralOut,
    status=201,
    scope="referrals:write",
)
def create_referral(case_id: int):  # type: ignore[no-untyped-def]
    access = staff_access(case_id)
    data = json_body(ReferralIn)
    try:
        referral = referrals.create_referral(
            db.session,
            access.case,
            organization_id=data.organization_id,
            area=data.area,
            request=data.request,
            respond_by=data.respond_by,
            actor_id=access.viewer.user_id,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(ReferralOut, referral, 201)


@bp.post("/t/<tenant>/referrals/<int:referral_id>/answer")
@documented(
    "Responder a um encaminhamento (o parceiro aceita, recusa ou conclui; a equipa cancela)",
    tags=["referrals"],
    body=AnswerIn,
    response=ReferralOut,
    scope="referrals:write",
)
def answer(referral_id: int):  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    try:
        referral = referrals.get_referral(db.session, viewer, referral_id)
    except LookupError:
        abort(404)
    data = json_body(AnswerIn)
    try:
        referrals.answer_referral(
            db.session,
            viewer,
            referral,
            status=data.status,
            reason=data.reason,
            outcome=data.outcome,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(ReferralOut, referral)


def _share(share: CaseShare) -> dict[str, object]:
    fields = {k: getattr(share, k) for k in ShareOut.model_fields if k != "active"}
    return fields | {"active": sharing.share_active(share, today())}


@bp.post("/t/<tenant>/cases/<int:case_id>/shares")
@documented(
    "Partilhar secções do processo com uma entidade parceira, para uma finalidade, até uma data",
    tags=["sharing"],
    body=ShareIn,
    response=ShareOut,
    status=201,
    scope="cases:write",
)
def create_share(case_id: int):  # type: ignore[no-untyped-def]
    access = staff_access(case_id)
    data = json_body(ShareIn)
    try:
        share = sharing.create_share(
            db.session,
            access.case,
            organization_id=data.organization_id,
            sections=list(data.sections),
            diagnosis_areas=list(data.diagnosis_areas),
            purpose=data.purpose,
            legal_basis=data.legal_basis,
            legal_reference=data.legal_reference,
            consent_id=data.consent_id,
            expires_on=data.expires_on,
            actor_id=access.viewer.user_id,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(ShareOut, _share(share), 201)


@bp.post("/t/<tenant>/shares/<int:share_id>/revoke")
@documented(
    "Revogar uma partilha: a entidade deixa de ter acesso no mesmo instante",
    tags=["sharing"],
    response=ShareOut,
    scope="cases:write",
)
def revoke_share(share_id: int):  # type: ignore[no-untyped-def]
    share = db.session.get(CaseShare, share_id)
    if share is None:
        abort(404)
    access = case_access(db.session, current_viewer(), share.case_id)
    require_staff(access)
    try:
        sharing.revoke_share(db.session, share, actor_id=access.viewer.user_id)
    except CaseError as exc:
        return rejected(exc)
    return respond(ShareOut, _share(share))
