"""The requesting council: placement requests, the on-call quick decision, admission.

Council staff (technicians, case managers, the council's admin) ask for a place from a case,
follow the request through the consortium's desk, cancel it, and record the admission.
Partners get 404 (nothing to probe); other roles 403. A refused step comes back as the
service's message beside the field it names.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.audit.services import audit
from teia.cases.access import PARTNER_ROLES, case_access, current_viewer, require_staff
from teia.cases.labels import resolved
from teia.cases.models import Case
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant
from teia.people.models import Person
from teia.shelter import admission, catalog, quick, requests
from teia.shelter.access import REQUESTER_ROLES, council_consortia
from teia.shelter.labels import (
    ALLOCATION_STATUS,
    CONSTRAINTS,
    EVENT_ACTION,
    INDICATORS,
    ISOLATED_FACTORS,
    PROFILE_STATUS,
    PROTECTIVE_BODY,
    QUICK_OUTCOME,
    QUICK_QUESTIONS,
    RANK_RULE,
    REQUEST_STATUS,
    RISK,
    SEX,
    TIER,
    URGENCY,
)
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    AllocationStatus,
    PlacementRequest,
    ProtectiveBody,
    RequestStatus,
    Risk,
    Urgency,
)
from teia.shelter.request_forms import (
    AdmissionForm,
    CancelForm,
    QuickForm,
    RequestForm,
    choices,
)
from teia.shelter.requests import QUICK_REQUEST, RequestFilters, RequestInput

bp = Blueprint("shelter_requests", __name__, template_folder="templates")

# Protective bodies of the other country's law, left out of a council's choices.
_FOREIGN_BODIES = {"PT": {ProtectiveBody.CONSELHO_TUTELAR}, "BR": {ProtectiveBody.CPCJ}}
_BLANK = SelectChoice("", "—")


def _requester() -> None:
    """Council staff who may ask for places; partners get 404, other roles 403."""
    roles = current_roles()
    if not roles & set(REQUESTER_ROLES):
        abort(404 if roles & PARTNER_ROLES else 403)


def _case(case_id: int) -> Case:
    """The case, for council staff only."""
    _requester()
    access = case_access(db.session, current_viewer(), case_id)
    require_staff(access)
    return access.case


def _placement(request_id: int) -> PlacementRequest:
    _requester()
    placement = requests.load_request(db.session, request_id)
    if placement is None:
        abort(404)
    return placement


def _read(placement: PlacementRequest, purpose: str) -> None:
    audit(
        db.session,
        "shelter.request.read",
        object_type="placement_request",
        object_id=placement.id,
        purpose=purpose,
        details={"case": placement.case_id, "person": placement.person_id},
    )


def _attach(form: FlaskForm, exc: ShelterError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field) and target.type != "HiddenField":
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _person_choices(people: list[Person]) -> list[SelectChoice]:
    return [
        SelectChoice(
            p.id,
            f"{p.full_name} ({p.birth_date.strftime('%d/%m/%Y')})"
            if p.birth_date
            else _("%(name)s (sem data de nascimento)", name=p.full_name),
        )
        for p in people
    ]


def _labels() -> dict[str, object]:
    """The label tables every request page shows."""
    country = current_tenant().country
    return {
        "risk_labels": resolved(RISK),
        "urgency_labels": resolved(URGENCY),
        "status_labels": resolved(REQUEST_STATUS),
        "profile_labels": resolved(PROFILE_STATUS),
        "allocation_labels": resolved(ALLOCATION_STATUS),
        "event_labels": resolved(EVENT_ACTION),
        "indicator_labels": resolved(INDICATORS),
        "isolated_labels": resolved(ISOLATED_FACTORS),
        "constraint_labels": resolved(CONSTRAINTS),
        "body_labels": resolved(PROTECTIVE_BODY),
        "sex_labels": resolved(SEX),
        "outcome_labels": resolved(QUICK_OUTCOME),
        "rule_labels": resolved(RANK_RULE),
        "tier_labels": resolved(TIER),
        "publics": catalog.publics(db.session, country),
        "modalities": catalog.modalities(db.session),
    }


# --- the list --------------------------------------------------------------------------------


@bp.get("/t/<tenant>/shelter/requests")
@login_required
def index():  # type: ignore[no-untyped-def]
    _requester()
    status = request.args.get("status", "")
    case_id = request.args.get("case_id", type=int)
    case = db.session.get(Case, case_id) if case_id else None
    if case_id and case is None:
        abort(404)
    filters = RequestFilters(
        status=status if status in REQUEST_STATUS else None,
        case_id=case_id,
        page=max(request.args.get("page", 1, type=int) or 1, 1),
    )
    rows, total = requests.request_list(db.session, filters)
    decisions = quick.case_decisions(db.session, case.id) if case else []
    if case is not None:
        audit(
            db.session,
            "shelter.request.read",
            object_type="case",
            object_id=case.id,
            purpose=_("Pedidos de vaga e decisões de acolhimento do processo"),
        )
    return render_template(
        "shelter/request_index.html",
        rows=rows,
        total=total,
        filters=filters,
        case=case,
        decisions=decisions,
        page_size=requests.PAGE_SIZE,
        **_labels(),
    )


# --- a new request -----------------------------------------------------------------------------


def _request_form(people: list[Person]) -> RequestForm:
    tenant = current_tenant()
    form = RequestForm()
    consortia = council_consortia(db.session)
    form.person.choices = _person_choices(people)
    form.consortium.choices = [SelectChoice(c.id, c.name) for c in consortia]
    form.public.choices = [
        _BLANK,
        *(
            SelectChoice(p.code, p.label)
            for p in catalog.publics(db.session, tenant.country).values()
        ),
    ]
    form.modalities.choices = [
        SelectChoice(m.code, m.label)
        for m in catalog.modalities(db.session, tenant.country).values()
    ]
    foreign = _FOREIGN_BODIES.get(tenant.country, set())
    form.protective_body.choices = [c for c in choices(PROTECTIVE_BODY) if c.value not in foreign]
    form.risk.choices = [_BLANK, *choices(RISK)]
    form.urgency.choices = [_BLANK, *choices(URGENCY)]
    anchors = {t.id: t for c in consortia for t in c.members}
    form.anchor.choices = [
        SelectChoice(t.id, t.name) for t in sorted(anchors.values(), key=lambda t: t.name)
    ]
    return form


def _prefill(form: RequestForm, case: Case) -> None:
    """A blank request: the case's person, the only consortium, the council as anchor; after a
    quick decision, its person, modality and protective body, with critical risk and
    immediate urgency."""
    form.submission_key.data = str(uuid.uuid4())
    form.person.data = case.person_id
    if len(form.consortium.choices) == 1:  # type: ignore[arg-type]
        form.consortium.data = form.consortium.choices[0].value  # type: ignore[index]
    form.anchor.data = current_tenant().id
    form.protective_body.data = ProtectiveBody.NONE
    decision_id = request.args.get("decision_id", type=int)
    decision = requests.open_decision(db.session, case.id, decision_id) if decision_id else None
    if decision is not None:
        form.decision_id.data = str(decision.id)
        form.person.data = decision.person_id
        form.risk.data = Risk.CRITICAL
        form.urgency.data = Urgency.IMMEDIATE
        form.modalities.data = [decision.answers["modality"]]
        form.protective_body.data = decision.answers.get("protective_body", ProtectiveBody.NONE)


def _request_input(form: RequestForm) -> RequestInput:
    decision = form.decision_id.data or ""
    return RequestInput(
        person_id=form.person.data or 0,
        consortium_id=form.consortium.data or 0,
        public=form.public.data or "",
        risk=form.risk.data or "",
        urgency=form.urgency.data or "",
        situation=form.situation.data or "",
        protective_body=form.protective_body.data or "",
        anchor_tenant_id=form.anchor.data or 0,
        modalities=tuple(form.modalities.data or ()),
        needs_accessibility=bool(form.needs_accessibility.data),
        needs_intensive_care=bool(form.needs_intensive_care.data),
        constraints=tuple(form.constraints.data or ()),
        indicators=tuple(form.indicators.data or ()),
        isolated_factors=tuple(form.isolated_factors.data or ()),
        isolated_confirmed=bool(form.isolated_confirmed.data),
        protective_measure=form.protective_measure.data or "",
        protective_reference=form.protective_reference.data or "",
        outside_territory=bool(form.outside_territory.data),
        safety_reason=form.safety_reason.data or "",
        submission_key=form.submission_key.data or None,
        decision_id=int(decision) if decision.isdigit() else None,
    )


@bp.route("/t/<tenant>/cases/<int:case_id>/shelter/request", methods=["GET", "POST"])
@login_required
def new(case_id: int):  # type: ignore[no-untyped-def]
    case = _case(case_id)
    people = requests.request_people(db.session, case)
    form = _request_form(people)
    if request.method == "GET":
        _prefill(form, case)
    elif form.validate_on_submit():
        try:
            placement, _created = requests.create_request(
                db.session,
                case,
                _request_input(form),
                council=current_tenant(),
                actor_id=current_user.id,
            )
        except ShelterError as exc:
            _attach(form, exc)
        else:
            flash(
                _(
                    "Pedido de vaga %(number)s registado e enviado à mesa de regulação.",
                    number=placement.number,
                ),
                "success",
            )
            return redirect(url_for(".show", request_id=placement.id))
    audit(
        db.session,
        "case.read",
        object_type="case",
        object_id=case.id,
        purpose=_("Pedido de vaga de acolhimento"),
        details={"section": "shelter_request"},
    )
    return render_template(
        "shelter/request_new.html",
        form=form,
        case=case,
        people=people,
        isolated_warning=bool(form.isolated_confirmed.errors),
    ), (422 if request.method == "POST" else 200)


# --- the quick decision ---------------------------------------------------------------------


@bp.route(
    "/t/<tenant>/cases/<int:case_id>/shelter/quick", methods=["GET", "POST"], endpoint="quick"
)
@login_required
def quick_decision(case_id: int):  # type: ignore[no-untyped-def]
    case = _case(case_id)
    tenant = current_tenant()
    people = requests.request_people(db.session, case)
    form = QuickForm()
    form.person.choices = _person_choices(people)
    form.modality.choices = [
        _BLANK,
        *(
            SelectChoice(m.code, m.label)
            for m in catalog.modalities(db.session, tenant.country).values()
        ),
    ]
    foreign = _FOREIGN_BODIES.get(tenant.country, set())
    form.protective_body.choices = [c for c in choices(PROTECTIVE_BODY) if c.value not in foreign]
    if request.method == "GET":
        form.person.data = case.person_id
        form.protective_body.data = ProtectiveBody.NONE
    elif form.validate_on_submit():
        answers = quick.QuickAnswers(
            serious_risk=form.serious_risk.data == "yes",
            protect_at_home=form.protect_at_home.data == "yes",
            safe_network=form.safe_network.data == "yes",
            protective_body_called=bool(form.protective_body_called.data),
            protective_body=form.protective_body.data or "",
            modality=form.modality.data or "",
            reception=bool(form.reception.data),
            plan_started=bool(form.plan_started.data),
            exit_planned=bool(form.exit_planned.data),
        )
        try:
            decision = quick.decide(
                db.session,
                case,
                person_id=form.person.data or 0,
                answers=answers,
                reason=form.reason.data or "",
                council=tenant,
                actor_id=current_user.id,
            )
        except ShelterError as exc:
            _attach(form, exc)
        else:
            if decision.outcome == QUICK_REQUEST:
                flash(_("Decisão registada: complete o pedido de vaga."), "success")
                return redirect(url_for(".new", case_id=case.id, decision_id=decision.id))
            flash(_("Decisão de não acolher registada."), "success")
            return redirect(url_for(".index", case_id=case.id))
    return render_template(
        "shelter/quick.html", form=form, case=case, question_labels=QUICK_QUESTIONS
    ), (422 if request.method == "POST" else 200)


# --- one request -------------------------------------------------------------------------------


@bp.get("/t/<tenant>/shelter/requests/<int:request_id>")
@login_required
def show(request_id: int):  # type: ignore[no-untyped-def]
    placement = _placement(request_id)
    _read(placement, _("Acompanhamento do pedido de vaga de acolhimento"))
    offers = requests.offers(db.session, placement.profile_id)
    accepted = (
        next((a for a in offers if a.status == AllocationStatus.ACCEPTED), None)
        if placement.status == RequestStatus.OPEN
        else None
    )
    stay = (
        requests.stay_of(db.session, placement.id)
        if placement.status == RequestStatus.PLACED
        else None
    )
    return render_template(
        "shelter/request_show.html",
        placement=placement,
        profile=placement.profile,
        offers=offers,
        log=requests.desk_log(db.session, placement.profile_id),
        accepted=accepted,
        stay=stay,
        cancel_form=CancelForm(),
        **_labels(),
    )


@bp.post("/t/<tenant>/shelter/requests/<int:request_id>/cancel")
@login_required
def cancel(request_id: int):  # type: ignore[no-untyped-def]
    placement = _placement(request_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Indique o motivo do cancelamento."), "error")
        return redirect(url_for(".show", request_id=placement.id))
    try:
        requests.cancel_request(
            db.session, placement, actor_id=current_user.id, reason=form.reason.data or ""
        )
    except ShelterError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Pedido cancelado; a vaga reservada, se havia, voltou ao conjunto."), "success")
    return redirect(url_for(".show", request_id=placement.id))


@bp.route("/t/<tenant>/shelter/requests/<int:request_id>/admit", methods=["GET", "POST"])
@login_required
def admit(request_id: int):  # type: ignore[no-untyped-def]
    placement = _placement(request_id)
    allocation = requests.accepted_allocation(db.session, placement)
    if allocation is None:
        flash(_("Ainda nenhuma unidade aceitou uma vaga para este pedido."), "error")
        return redirect(url_for(".show", request_id=placement.id))
    form = AdmissionForm()
    referents = admission.referents(db.session)
    form.referent.choices = [SelectChoice(u.id, u.name) for u in referents]
    if request.method == "GET":
        form.admitted_on.data = today()
        form.follow_up_every_days.data = 15
        if current_user.id in {u.id for u in referents}:
            form.referent.data = current_user.id
            form.referent_contact.data = current_user.email
    elif form.validate_on_submit():
        data = admission.AdmissionInput(
            admitted_on=form.admitted_on.data,  # type: ignore[arg-type]
            referral_guide=form.referral_guide.data or "",
            referent_id=form.referent.data or 0,
            referent_contact=form.referent_contact.data or "",
            follow_up_every_days=form.follow_up_every_days.data or 0,
            plan_kind=form.plan_kind.data or "",
            health=form.health.data or "",
            medication=form.medication.data or "",
            diet=form.diet.data or "",
            school=form.school.data or "",
            contacts=form.contacts.data or "",
        )
        tenant = current_tenant()
        try:
            stay = admission.admit(
                db.session, placement, data, council=tenant, actor_id=current_user.id
            )
        except ShelterError as exc:
            _attach(form, exc)
        else:
            flash(_("Admissão registada; a unidade recebeu a ficha de admissão."), "success")
            return redirect(f"/t/{tenant.slug}/shelter/stays/{stay.id}")
    _read(placement, _("Admissão em acolhimento"))
    return render_template(
        "shelter/admit.html",
        form=form,
        placement=placement,
        person=placement.person,
        allocation=allocation,
        **_labels(),
    ), (422 if request.method == "POST" else 200)
