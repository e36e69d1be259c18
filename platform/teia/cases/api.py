"""JSON API for cases: the list, opening a case, a case as the viewer may see it, its status,
timeline, plan and caseload.

The pages' services and access rules, unchanged: a partner reaches a case only through an
active share, sees only the shared sections, and gets 404 for everything else; every read of a
case is audited with the purpose its access rests on.
"""

from __future__ import annotations

from datetime import UTC

from flask import abort
from flask_babel import gettext as _

from teia.accounts.models import Role
from teia.cases import plans, services
from teia.cases.access import (
    STAFF_ROLES,
    CaseAccess,
    Viewer,
    case_access,
    current_viewer,
    reached_case_ids,
    require_section,
    require_staff,
)
from teia.cases.caseload import caseloads
from teia.cases.models import Case, InterventionPlan, PlanAction, Referral, Section
from teia.cases.plans import ActionInput, GoalInput
from teia.cases.referrals import referral_query
from teia.cases.schemas_api import (
    ActionOut,
    ActionUpdateIn,
    CaseDetail,
    CaseIn,
    CaseList,
    CaseloadOut,
    CaseQuery,
    CaseSummary,
    EventIn,
    EventOut,
    PlanIn,
    PlanOut,
    StatusIn,
)
from teia.cases.services import CaseError, CaseFilters
from teia.cases.sharing import partner_organizations
from teia.core.api import (
    FieldError,
    api_blueprint,
    idempotency_key,
    invalid,
    json_body,
    query_args,
    rejected,
    respond,
)
from teia.core.clock import today
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_tenant, requires_role
from teia.people.models import Person
from teia.people.services import current_household

bp = api_blueprint("cases_api", __name__)
TAGS = ["cases"]
PLAN_TAGS = ["plans"]


def staff_access(case_id: int) -> CaseAccess:
    """The case for the council's staff; 404 for anyone else (nothing to probe)."""
    access = case_access(db.session, current_viewer(), case_id)
    require_staff(access)
    return access


def staff_viewer() -> Viewer:
    """For creating cases and people: a partner's role does not allow it (403)."""
    viewer = current_viewer()
    if not viewer.staff:
        abort(403)
    return viewer


def _summary(case: Case, named: bool) -> dict[str, object]:
    row = {k: getattr(case, k) for k in ("id", "number", "status", "opened_on", "closed_on")}
    row["manager"] = case.manager
    if named:
        row["person"] = case.person
    return row


@bp.get("/t/<tenant>/cases")
@documented(
    "Os processos que quem pergunta alcança (um parceiro: só os partilhados)",
    tags=TAGS,
    query=CaseQuery,
    response=CaseList,
    scope="cases:read",
)
def index():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    args = query_args(CaseQuery)
    filters = CaseFilters(
        status=args.status, area=args.area, manager_id=args.manager_id, query=args.q, page=args.page
    )
    cases, total = services.case_list(db.session, viewer, filters)
    named = reached_case_ids(db.session, viewer, [c.id for c in cases], Section.IDENTIFICATION)
    return respond(
        CaseList,
        {
            "cases": [_summary(c, c.id in named) for c in cases],
            "total": total,
            "page": args.page,
            "page_size": services.PAGE_SIZE,
        },
    )


@bp.post("/t/<tenant>/cases")
@documented(
    "Abrir um processo para o agregado de uma pessoa",
    tags=TAGS,
    body=CaseIn,
    response=CaseSummary,
    status=201,
    idempotent=True,
    scope="cases:write",
)
def create():  # type: ignore[no-untyped-def]
    viewer = staff_viewer()
    data = json_body(CaseIn)
    key = idempotency_key()
    person = db.session.get(Person, data.person_id)
    if person is None or person.merged_into_id:
        message = _("Essa pessoa não existe (ou foi fundida noutra).")
        return invalid([FieldError(field="person_id", message=message)])
    try:
        case, created = services.open_case(
            db.session,
            person=person,
            household=current_household(db.session, person.id),
            manager_id=data.manager_id,
            opening_reason=data.opening_reason,
            areas=list(data.areas),
            risk_flags=list(data.risk_flags),
            actor_id=viewer.user_id,
            submission_key=key,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(CaseSummary, _summary(case, True), 201 if created else 200)


@bp.get("/t/<tenant>/cases/<int:case_id>")
@documented(
    "Um processo, só com as secções que quem pergunta pode ver (leitura auditada)",
    tags=TAGS,
    response=CaseDetail,
    scope="cases:read",
)
def show(case_id: int):  # type: ignore[no-untyped-def]
    access = case_access(db.session, current_viewer(), case_id)
    case = access.case
    sections = [s for s in Section if access.can(s)]
    detail = _summary(case, named=False) | {"sections": sections}
    if access.staff:
        detail |= {
            "opening_reason": case.opening_reason,
            "status_reason": case.status_reason,
            "risk_flags": case.risk_flags,
            "areas": case.areas,
        }
    elif access.can(Section.DIAGNOSIS):
        detail["areas"] = [a for a in case.areas if access.can_see_area(a)]
    if access.can(Section.IDENTIFICATION):
        detail["identification"] = {
            "person_id": case.person_id,
            "household": case.household,
            "members": services.household_members(db.session, case),
        }
    if access.can(Section.DIAGNOSIS):
        detail["diagnosis"] = services.diagnosis(db.session, access)
    if access.can(Section.PLAN):
        plan = plans.current_plan(db.session, case.id)
        detail["plan"] = _plan(plan, access) if plan else None
    if access.can(Section.REFERRALS):
        detail["referrals"] = db.session.scalars(
            referral_query(access.viewer)
            .where(Referral.case_id == case.id)
            .order_by(Referral.requested_at.desc(), Referral.id.desc())
        ).all()
    if access.can(Section.TIMELINE):
        detail["timeline"], detail["timeline_has_older"] = services.timeline(db.session, access)
    services.audit_read(db.session, access, ",".join(sections))
    return respond(CaseDetail, detail)


def _plan(plan: InterventionPlan, access: CaseAccess) -> dict[str, object]:
    """The plan as the viewer may see it: a partner, only its actions and their goals."""
    goals = [
        {"id": g.id, "position": g.position, "description": g.description, "actions": actions}
        for g, actions in plans.visible_goals(plan, access)
    ]
    fields = ("id", "case_id", "version", "agreed_on", "review_on")
    return {k: getattr(plan, k) for k in fields} | {"goals": goals}


@bp.post("/t/<tenant>/cases/<int:case_id>/status")
@documented(
    "Suspender, encerrar ou reabrir um processo",
    tags=TAGS,
    body=StatusIn,
    response=CaseSummary,
    scope="cases:write",
)
def change_status(case_id: int):  # type: ignore[no-untyped-def]
    access = staff_access(case_id)
    data = json_body(StatusIn)
    try:
        services.change_status(db.session, access.case, data.status, data.reason)
    except CaseError as exc:
        return rejected(exc)
    return respond(CaseSummary, _summary(access.case, True))


@bp.post("/t/<tenant>/cases/<int:case_id>/events")
@documented(
    "Acrescentar um registo à cronologia (atendimento, visita, reunião, nota)",
    tags=TAGS,
    body=EventIn,
    response=EventOut,
    status=201,
    scope="cases:write",
)
def add_event(case_id: int):  # type: ignore[no-untyped-def]
    access = staff_access(case_id)
    data = json_body(EventIn)
    staff = {u.id for u in services.professionals(db.session, STAFF_ROLES)}
    if not set(data.reader_ids) <= staff:
        message = _("Só a equipa do município pode ler registos confidenciais.")
        return invalid([FieldError(field="reader_ids", message=message)])
    try:
        event = services.add_event(
            db.session,
            access.case,
            kind=data.kind,
            occurred_at=data.occurred_at.astimezone(UTC).replace(tzinfo=None),
            text=data.text,
            confidential=data.confidential,
            reader_ids=data.reader_ids,
            author_id=access.viewer.user_id,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(EventOut, event, 201)


@bp.put("/t/<tenant>/cases/<int:case_id>/plan")
@documented(
    "Guardar o plano de intervenção (uma nova versão; a anterior fica guardada)",
    tags=PLAN_TAGS,
    body=PlanIn,
    response=PlanOut,
    scope="cases:write",
)
def save_plan(case_id: int):  # type: ignore[no-untyped-def]
    access = staff_access(case_id)
    data = json_body(PlanIn)
    goals = [
        GoalInput(g.description, [ActionInput(**a.model_dump()) for a in g.actions])
        for g in data.goals
    ]
    responsibles = services.professionals(db.session, [Role.CASE_MANAGER, Role.TECHNICIAN])
    try:
        plans.save_plan(
            db.session,
            access.case,
            goals=goals,
            agreed_on=data.agreed_on,
            review_on=data.review_on,
            actor_id=access.viewer.user_id,
            allowed_organization_ids={o.id for o in partner_organizations(db.session)},
            allowed_user_ids={u.id for u in responsibles},
        )
    except CaseError as exc:
        return rejected(exc)
    plan = plans.current_plan(db.session, case_id)  # the new version, its actions loaded
    assert plan is not None
    return respond(PlanOut, _plan(plan, access))


@bp.patch("/t/<tenant>/plan-actions/<int:action_id>")
@documented(
    "Atualizar uma ação do plano (a equipa, ou o parceiro a quem está atribuída)",
    tags=PLAN_TAGS,
    body=ActionUpdateIn,
    response=ActionOut,
    scope="plan-actions:write",
)
def update_action(action_id: int):  # type: ignore[no-untyped-def]
    action = db.session.get(PlanAction, action_id)
    if action is None:
        abort(404)
    access = case_access(db.session, current_viewer(), action.case_id)
    require_section(access, Section.PLAN)
    data = json_body(ActionUpdateIn)
    try:
        plans.update_action(
            db.session, access, action, status=data.status, progress_note=data.progress_note
        )
    except LookupError:
        abort(404)
    except CaseError as exc:
        return rejected(exc)
    return respond(ActionOut, action)


@bp.get("/t/<tenant>/caseload")
@requires_role(Role.CASE_MANAGER, Role.TENANT_ADMIN)
@documented(
    "Carga de processos por gestor/a de caso, face à meta do município",
    tags=TAGS,
    response=CaseloadOut,
    scope="cases:read",
)
def caseload():  # type: ignore[no-untyped-def]
    target = current_tenant().caseload_target
    rows = caseloads(db.session, today(), target)
    return respond(CaseloadOut, {"target": target, "rows": rows})
