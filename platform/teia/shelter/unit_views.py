"""Units and places (the host council's admin), the unit staff's offers and residents, and
the consortium's view of its pool.

- The council's admin creates and edits the units it hosts, adds, blocks and closes places and
  chooses the pools (and quotas) each place is offered to; it may answer offers to its units.
- A unit's staff (``shelter_staff`` of the unit's operator in the host council) answer offers,
  seeing only the placement profile, and read the admission sheets of their residents.
- The consortium's coordinators see every unit of the pool with its places by state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.accounts.models import Role
from teia.audit.services import audit
from teia.core.db import db, utcnow
from teia.core.scope import current_roles, current_tenant
from teia.shelter import catalog, units
from teia.shelter.access import desk_consortium, hosted_unit, staffed_unit, staffed_units
from teia.shelter.labels import ALLOCATION_STATUS, CONSTRAINTS, RISK, SEX, SEX_RULE, URGENCY
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import AdmissionSheet, Allocation, ShelterPlace, ShelterUnit
from teia.shelter.unit_forms import (
    AddPlacesForm,
    AnswerForm,
    BlockForm,
    PoolsForm,
    UnitForm,
    as_id,
)
from teia.tenants.models import Consortium, Tenant

bp = Blueprint("shelter_units", __name__, template_folder="templates")

ADMIN = Role.TENANT_ADMIN
STAFF = Role.SHELTER_STAFF
READ_PURPOSE = "acolhimento"


def _attach(form: FlaskForm, exc: ShelterError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field) and target.type != "HiddenField":
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- access ---------------------------------------------------------------------------------


def _council() -> Tenant:
    """The council in scope, for its admin (another role of the council: 403)."""
    if ADMIN not in current_roles():
        abort(403)
    tenant = current_tenant()
    assert tenant is not None
    return tenant


def _managed_unit(unit_id: int) -> ShelterUnit:
    _council()
    return hosted_unit(db.session, unit_id)


def _managed_place(place_id: int) -> ShelterPlace:
    tenant = _council()
    place = db.session.get(ShelterPlace, place_id)
    if place is None or place.unit.host_tenant_id != tenant.id:
        abort(404)
    return place


def _answering_unit(unit_id: int) -> ShelterUnit:
    """A unit whose offers the user answers: its staff, or the host council's admin."""
    roles = current_roles()
    if ADMIN in roles:
        return hosted_unit(db.session, unit_id)
    if STAFF in roles:
        return staffed_unit(db.session, unit_id)
    abort(403)


def _residents_unit(unit_id: int) -> ShelterUnit:
    """A unit whose residents the user may know of: its own staff only (the admin: 404)."""
    roles = current_roles()
    if STAFF not in roles:
        abort(404 if ADMIN in roles else 403)
    return staffed_unit(db.session, unit_id)


# --- labels and choices ---------------------------------------------------------------------


def _labels(country: str) -> dict[str, dict[str, str]]:
    return {
        "modalities": {c: m.label for c, m in catalog.modalities(db.session, country).items()},
        "publics": {c: p.label for c, p in catalog.publics(db.session, country).items()},
        "sex_rules": {k: str(v) for k, v in SEX_RULE.items()},
    }


def _unit_choices(form: UnitForm, tenant: Tenant, labels: dict[str, dict[str, str]]) -> None:
    form.operator.choices = [
        SelectChoice(o.id, o.name) for o in units.operators(db.session, tenant)
    ]
    form.modality.choices = [
        SelectChoice("", _("Escolha…")),
        *(SelectChoice(k, v) for k, v in labels["modalities"].items()),
    ]
    form.parish.choices = [
        SelectChoice("", _("Não indicada")),
        *(SelectChoice(p, p) for p in tenant.parishes),
    ]


def _pool_rows(
    form: PoolsForm, consortia: Sequence[Consortium], current: dict[int, int | None] | None
) -> None:
    """The pool rows: on a fresh form from ``current`` (consortium → quota council or None),
    on a posted one as posted; then each row's label and quota choices."""
    if current is not None:
        for consortium in consortia:
            form.rows.append_entry(
                {
                    "consortium_id": str(consortium.id),
                    "offered": consortium.id in current,
                    "reserved_for": current.get(consortium.id),
                }
            )
    by_id = {c.id: c for c in consortia}
    for row in form.rows:
        consortium = by_id.get(as_id(row.form.consortium_id.data))  # type: ignore[arg-type]
        row.form.offered.label.text = (
            _("Conjunto de %(name)s", name=consortium.name) if consortium else "—"
        )
        row.form.reserved_for.choices = [
            SelectChoice("", _("Sem quota (qualquer município membro)")),
            *(SelectChoice(m.id, m.name) for m in (consortium.members if consortium else [])),
        ]


def _common_pools(places: Sequence[ShelterPlace]) -> dict[int, int | None]:
    """The pools every place is in, with the quota when all share it (the bulk form's start)."""
    active = [p for p in places if p.active]
    if not active:
        return {}
    shared = set.intersection(*({pool.consortium_id for pool in p.pools} for p in active))
    common: dict[int, int | None] = {}
    for consortium_id in shared:
        quotas = {
            pool.reserved_for_tenant_id
            for p in active
            for pool in p.pools
            if pool.consortium_id == consortium_id
        }
        common[consortium_id] = quotas.pop() if len(quotas) == 1 else None
    return common


# --- the council's units (admin) ------------------------------------------------------------


@bp.get("/t/<tenant>/shelter/units")
@login_required
def index():  # type: ignore[no-untyped-def]
    tenant = _council()
    page = _page()
    found, total = units.hosted_units(db.session, tenant, page=page)
    return render_template(
        "shelter/units_index.html",
        units=found,
        total=total,
        page=page,
        page_size=units.PAGE_SIZE,
        occupancy=units.occupancy(db.session, [u.id for u in found]),
        waiting=units.offers_waiting(db.session, [u.id for u in found]),
        labels=_labels(tenant.country),
    )


@bp.route("/t/<tenant>/shelter/units/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    tenant = _council()
    labels = _labels(tenant.country)
    form = UnitForm()
    _unit_choices(form, tenant, labels)
    if form.validate_on_submit():
        try:
            unit = units.create_unit(db.session, tenant, form.unit_input())
        except ShelterError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Unidade %(name)s criada. Acrescente as vagas.", name=unit.name), "success")
            return redirect(url_for("shelter_units.show", unit_id=unit.id))
    return render_template("shelter/units_new.html", form=form), (
        422 if request.method == "POST" else 200
    )


def _unit_page(
    unit: ShelterUnit,
    *,
    edit: UnitForm | None = None,
    add: AddPlacesForm | None = None,
    pools: PoolsForm | None = None,
    block: tuple[int, BlockForm] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    labels = _labels(tenant.country)
    places = units.unit_places(db.session, unit)
    consortia = units.council_pools(db.session, tenant)
    if edit is None:
        edit = UnitForm(
            formdata=None,
            data={
                "name": unit.name,
                "operator": unit.operator_id,
                "modality": unit.modality,
                "sex_rule": unit.sex_rule,
                "accessible": unit.accessible,
                "intensive_care": unit.intensive_care,
                "parish": unit.parish or "",
                "phone": unit.phone,
            },
        )
    _unit_choices(edit, tenant, labels)
    if add is None:
        add = AddPlacesForm(formdata=None, prefix="places", pools=[c.id for c in consortia])
    add.public.choices = [SelectChoice(k, v) for k, v in labels["publics"].items()]
    add.pools.choices = [SelectChoice(c.id, c.name) for c in consortia]
    if pools is None:
        pools = PoolsForm(formdata=None, prefix="bulk")
        _pool_rows(pools, consortia, _common_pools(places))
    else:
        _pool_rows(pools, consortia, None)
    blocks = {p.id: BlockForm(formdata=None, prefix=f"b{p.id}") for p in places if p.active}
    if block is not None:
        blocks[block[0]] = block[1]
    return render_template(
        "shelter/units_show.html",
        unit=unit,
        places=places,
        holders=units.holders(db.session, [p.id for p in places]),
        occupancy=units.occupancy(db.session, [unit.id])[unit.id],
        edit=edit,
        add=add,
        pools=pools,
        blocks=blocks,
        labels=labels,
        allocation_labels={k: str(v) for k, v in ALLOCATION_STATUS.items()},
    ), status


@bp.route("/t/<tenant>/shelter/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def show(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _managed_unit(unit_id)
    if request.method == "GET":
        return _unit_page(unit)
    tenant = current_tenant()
    assert tenant is not None
    form = UnitForm()
    _unit_choices(form, tenant, _labels(tenant.country))
    if not form.validate_on_submit():
        return _unit_page(unit, edit=form, status=422)
    try:
        units.update_unit(db.session, tenant, unit, form.unit_input())
    except ShelterError as exc:
        db.session.rollback()
        _attach(form, exc)
        return _unit_page(_managed_unit(unit_id), edit=form, status=422)
    flash(_("Unidade atualizada."), "success")
    return redirect(url_for("shelter_units.show", unit_id=unit.id))


@bp.post("/t/<tenant>/shelter/units/<int:unit_id>/places")
@login_required
def add_places(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _managed_unit(unit_id)
    tenant = current_tenant()
    assert tenant is not None
    form = AddPlacesForm(prefix="places")
    if not form.validate_on_submit():
        return _unit_page(unit, add=form, status=422)
    try:
        created = units.add_places(
            db.session,
            tenant,
            unit,
            public=form.public.data or "",
            count=form.count.data or 0,
            prefix=form.prefix.data or "",
            pools=form.pool_choices(),
        )
    except ShelterError as exc:
        db.session.rollback()
        _attach(form, exc)
        return _unit_page(_managed_unit(unit_id), add=form, status=422)
    flash(
        _(
            "%(n)s vaga(s) criada(s): %(labels)s.",
            n=len(created),
            labels=", ".join(p.label for p in created),
        ),
        "success",
    )
    return redirect(url_for("shelter_units.show", unit_id=unit.id))


@bp.post("/t/<tenant>/shelter/units/<int:unit_id>/pools")
@login_required
def unit_pools(unit_id: int):  # type: ignore[no-untyped-def]
    """The same pools and quotas for every active place of the unit."""
    unit = _managed_unit(unit_id)
    tenant = current_tenant()
    assert tenant is not None
    form = PoolsForm(prefix="bulk")
    if not form.validate_on_submit():
        return _unit_page(unit, pools=form, status=422)
    places = [p for p in units.unit_places(db.session, unit) if p.active]
    try:
        units.set_pools(db.session, tenant, unit, places, form.pool_choices())
    except ShelterError as exc:
        db.session.rollback()
        _attach(form, exc)
        return _unit_page(_managed_unit(unit_id), pools=form, status=422)
    flash(_("Conjuntos e quotas aplicados a todas as vagas da unidade."), "success")
    return redirect(url_for("shelter_units.show", unit_id=unit.id))


@bp.post("/t/<tenant>/shelter/units/<int:unit_id>/deactivate")
@login_required
def deactivate(unit_id: int):  # type: ignore[no-untyped-def]
    return _set_active(unit_id, False)


@bp.post("/t/<tenant>/shelter/units/<int:unit_id>/reactivate")
@login_required
def reactivate(unit_id: int):  # type: ignore[no-untyped-def]
    return _set_active(unit_id, True)


def _set_active(unit_id: int, active: bool):  # type: ignore[no-untyped-def]
    unit = _managed_unit(unit_id)
    try:
        units.set_unit_active(db.session, unit, active)
    except ShelterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _unit_page(_managed_unit(unit_id), status=409)
    flash(_("Unidade reativada.") if active else _("Unidade desativada."), "success")
    return redirect(url_for("shelter_units.show", unit_id=unit_id))


# --- places (admin) -------------------------------------------------------------------------


@bp.route("/t/<tenant>/shelter/places/<int:place_id>", methods=["GET", "POST"])
@login_required
def place(place_id: int):  # type: ignore[no-untyped-def]
    """One place: its state, and the pools and quotas it is offered to."""
    found = _managed_place(place_id)
    tenant = current_tenant()
    assert tenant is not None
    consortia = units.council_pools(db.session, tenant)
    status = 200
    if request.method == "POST":
        form = PoolsForm(prefix="pools")
        _pool_rows(form, consortia, None)
        if form.validate_on_submit():
            try:
                units.set_pools(db.session, tenant, found.unit, [found], form.pool_choices())
            except ShelterError as exc:
                db.session.rollback()
                found = _managed_place(place_id)
                _attach(form, exc)
            else:
                flash(
                    _("Conjuntos e quotas da vaga %(label)s guardados.", label=found.label),
                    "success",
                )
                return redirect(url_for("shelter_units.place", place_id=place_id))
        status = 422
    else:
        form = PoolsForm(formdata=None, prefix="pools")
        _pool_rows(
            form, consortia, {p.consortium_id: p.reserved_for_tenant_id for p in found.pools}
        )
    return render_template(
        "shelter/units_place.html",
        place=found,
        unit=found.unit,
        holder=units.holders(db.session, [found.id]).get(found.id),
        form=form,
        labels=_labels(tenant.country),
        allocation_labels={k: str(v) for k, v in ALLOCATION_STATUS.items()},
    ), status


@bp.post("/t/<tenant>/shelter/places/<int:place_id>/block")
@login_required
def block(place_id: int):  # type: ignore[no-untyped-def]
    found = _managed_place(place_id)
    form = BlockForm(prefix=f"b{place_id}")
    if not form.validate_on_submit():
        return _unit_page(found.unit, block=(place_id, form), status=422)
    try:
        units.block_place(
            db.session, found, reason=form.reason.data or "", actor_id=current_user.id
        )
    except ShelterError as exc:
        db.session.rollback()
        found = _managed_place(place_id)
        if exc.field:
            _attach(form, exc)
            return _unit_page(found.unit, block=(place_id, form), status=422)
        flash(str(exc), "error")
        return _unit_page(found.unit, status=409)
    flash(_("Vaga %(label)s bloqueada.", label=found.label), "success")
    return redirect(url_for("shelter_units.show", unit_id=found.unit_id))


@bp.post("/t/<tenant>/shelter/places/<int:place_id>/unblock")
@login_required
def unblock(place_id: int):  # type: ignore[no-untyped-def]
    found = _managed_place(place_id)
    return _place_step(
        found, units.unblock_place, lambda label: _("Vaga %(label)s desbloqueada.", label=label)
    )


@bp.post("/t/<tenant>/shelter/places/<int:place_id>/deactivate")
@login_required
def deactivate_place(place_id: int):  # type: ignore[no-untyped-def]
    found = _managed_place(place_id)
    return _place_step(
        found, units.deactivate_place, lambda label: _("Vaga %(label)s desativada.", label=label)
    )


def _place_step(
    found: ShelterPlace,
    step: Callable[[Session, ShelterPlace], None],
    done: Callable[[str], str],
):  # type: ignore[no-untyped-def]
    unit_id, place_id = found.unit_id, found.id
    try:
        step(db.session, found)
    except ShelterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _unit_page(_managed_unit(unit_id), status=409)
    flash(done(found.label), "success")
    return redirect(url_for("shelter_units.show", unit_id=unit_id, _anchor=f"vaga-{place_id}"))


# --- the unit's staff -----------------------------------------------------------------------


@bp.get("/t/<tenant>/shelter/my-units")
@login_required
def mine():  # type: ignore[no-untyped-def]
    if STAFF not in current_roles():
        abort(403)
    tenant = current_tenant()
    assert tenant is not None
    found = staffed_units(db.session)
    ids = [u.id for u in found]
    return render_template(
        "shelter/units_mine.html",
        units=found,
        occupancy=units.occupancy(db.session, ids),
        waiting=units.offers_waiting(db.session, ids),
        labels=_labels(tenant.country),
    )


def _time_left(expires_at: datetime, now: datetime) -> str:
    minutes = int((expires_at - now).total_seconds() // 60)
    if minutes <= 0:
        return _("prazo terminado")
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return _("%(d)s d %(h)s h", d=hours // 24, h=hours % 24)
    return _("%(h)s h %(m)s min", h=hours, m=minutes) if hours else _("%(m)s min", m=minutes)


def _offers_page(
    unit: ShelterUnit, failed: tuple[int, AnswerForm] | None = None, status: int = 200
):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    offers = units.open_offers(db.session, unit)
    now = utcnow()
    forms = {
        a.id: AnswerForm(formdata=None, prefix=f"a{a.id}") for a in offers if a.status == "offered"
    }
    if failed is not None and failed[0] in forms:
        forms[failed[0]] = failed[1]
    return render_template(
        "shelter/units_offers.html",
        unit=unit,
        offers=offers,
        forms=forms,
        time_left={a.id: _time_left(a.expires_at, now) for a in offers},
        labels=_labels(tenant.country),
        risk_labels={k: str(v) for k, v in RISK.items()},
        urgency_labels={k: str(v) for k, v in URGENCY.items()},
        sex_labels={k: str(v) for k, v in SEX.items()},
        constraint_labels={k: str(v) for k, v in CONSTRAINTS.items()},
        allocation_labels={k: str(v) for k, v in ALLOCATION_STATUS.items()},
        is_staff=STAFF in current_roles(),
    ), status


@bp.get("/t/<tenant>/shelter/units/<int:unit_id>/offers")
@login_required
def offers(unit_id: int):  # type: ignore[no-untyped-def]
    return _offers_page(_answering_unit(unit_id))


@bp.post("/t/<tenant>/shelter/offers/<int:allocation_id>/answer")
@login_required
def answer(allocation_id: int):  # type: ignore[no-untyped-def]
    allocation = db.session.get(Allocation, allocation_id)
    if allocation is None:
        abort(404)
    unit = _answering_unit(allocation.unit_id)
    form = AnswerForm(prefix=f"a{allocation_id}")
    if not form.validate_on_submit():
        return _offers_page(unit, (allocation_id, form), 422)
    if form.decision.data not in ("accept", "refuse"):
        form.decision.errors = [_("Escolha aceitar ou recusar.")]
        return _offers_page(unit, (allocation_id, form), 422)
    accept = form.decision.data == "accept"
    unit_id = unit.id
    try:
        units.answer_offer(
            db.session,
            allocation,
            accept=accept,
            reason=form.reason.data,
            actor_id=current_user.id,
        )
    except ShelterError as exc:
        db.session.rollback()
        unit = _answering_unit(unit_id)
        if exc.field:
            _attach(form, exc)
            return _offers_page(unit, (allocation_id, form), 422)
        flash(str(exc), "error")
        return _offers_page(unit, status=409)
    flash(
        _("Vaga aceite: aguarda a admissão.") if accept else _("Vaga recusada; o motivo segue."),
        "success",
    )
    return redirect(url_for("shelter_units.offers", unit_id=unit.id))


@bp.get("/t/<tenant>/shelter/units/<int:unit_id>/residents")
@login_required
def residents(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _residents_unit(unit_id)
    sheets = units.current_sheets(db.session, unit)
    audit(
        db.session,
        "shelter.admission_sheet.list",
        object_type="shelter_unit",
        object_id=unit.id,
        purpose=READ_PURPOSE,
        details={"sheets": [s.id for s in sheets]},
    )
    return render_template("shelter/units_residents.html", unit=unit, sheets=sheets)


@bp.get("/t/<tenant>/shelter/residents/<int:sheet_id>")
@login_required
def sheet(sheet_id: int):  # type: ignore[no-untyped-def]
    roles = current_roles()
    if STAFF not in roles:
        abort(404 if ADMIN in roles else 403)
    found = db.session.get(AdmissionSheet, sheet_id)
    if found is None or found.ended_on is not None:
        abort(404)
    unit = staffed_unit(db.session, found.unit_id)
    audit(
        db.session,
        "shelter.admission_sheet.read",
        object_type="shelter_admission_sheet",
        object_id=found.id,
        purpose=READ_PURPOSE,
    )
    return render_template(
        "shelter/units_sheet.html",
        unit=unit,
        sheet=found,
        sex_labels={k: str(v) for k, v in SEX.items()},
    )


# --- the consortium's pool ------------------------------------------------------------------


@bp.get("/c/<consortium>/shelter/units")
@login_required
def pool():  # type: ignore[no-untyped-def]
    consortium = desk_consortium()
    host = request.args.get("host", type=int)
    page = _page()
    found, total = units.pool_units(db.session, consortium, host_tenant_id=host, page=page)
    ids = [u.id for u in found]
    return render_template(
        "shelter/units_pool.html",
        consortium=consortium,
        units=found,
        total=total,
        page=page,
        page_size=units.PAGE_SIZE,
        host=host,
        occupancy=units.occupancy(db.session, ids, consortium_id=consortium.id),
        quotas=units.pool_quotas(db.session, consortium.id, ids),
        members={t.id: t.name for t in consortium.members},
        labels=_labels(consortium.country),
    )
