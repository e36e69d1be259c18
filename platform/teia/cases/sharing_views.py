"""Sharing pages: shares and consents of a case, its access log, and emergency access."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from teia.cases import sharing
from teia.cases.access import current_staff, current_viewer, require_staff
from teia.cases.labels import AUDIT_ACTION, LEGAL_BASIS, READ_SECTION, SECTION
from teia.cases.models import CaseShare, Consent, LegalBasis
from teia.cases.schemas import EmergencyForm, ShareForm
from teia.cases.services import CaseError, household_members
from teia.cases.views import load_access, render_case
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_tenant

bp = Blueprint("sharing", __name__, template_folder="templates")


def _share_form(consents: list[Consent]) -> ShareForm:
    form = ShareForm()
    form.organization.choices = [
        SelectChoice(o.id, o.name) for o in sharing.partner_organizations(db.session)
    ]
    form.consent.choices = [SelectChoice(0, _("Nenhum"))] + [
        SelectChoice(
            c.id,
            _("%(who)s, %(d)s", who=c.given_by, d=c.given_on.strftime("%d/%m/%Y")),
        )
        for c in consents
        if c.revoked_at is None
    ]
    if request.method == "GET":
        form.expires_on.data = today() + timedelta(days=180)
    return form


@bp.route("/t/<tenant>/cases/<int:case_id>/shares", methods=["GET", "POST"])
@login_required
def shares(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    case = access.case
    person_ids = {m.person_id for m in household_members(db.session, case)} | {case.person_id}
    consents = sharing.person_consents(db.session, person_ids)
    form = _share_form(consents)
    if request.method == "POST" and form.validate_on_submit():
        try:
            sharing.create_share(
                db.session,
                case,
                organization_id=form.organization.data,
                sections=form.sections.data or [],
                diagnosis_areas=form.diagnosis_areas.data or [],
                purpose=form.purpose.data or "",
                legal_basis=LegalBasis(form.legal_basis.data),
                legal_reference=form.legal_reference.data,
                consent_id=form.consent.data or None,
                expires_on=form.expires_on.data,  # type: ignore[arg-type]
                actor_id=access.viewer.user_id,
            )
        except CaseError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Partilha criada."), "success")
            return redirect(url_for("sharing.shares", case_id=case_id))
    rows = sharing.case_shares(db.session, case_id)
    day = today()
    return render_case(
        "cases/shares.html",
        access,
        "shares",
        shares=[(s, sharing.share_active(s, day)) for s in rows],
        consents=consents,
        form=form,
        basis_labels=LEGAL_BASIS,
        person_ids=person_ids,
    ), (422 if request.method == "POST" else 200)


@bp.post("/t/<tenant>/shares/<int:share_id>/revoke")
@login_required
def revoke_share(share_id: int):  # type: ignore[no-untyped-def]
    share = db.session.get(CaseShare, share_id)
    if share is None:
        abort(404)
    access = load_access(share.case_id)
    require_staff(access)
    try:
        sharing.revoke_share(db.session, share, actor_id=access.viewer.user_id)
    except CaseError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Partilha revogada: a entidade deixou de ter acesso."), "success")
    return redirect(url_for("sharing.shares", case_id=share.case_id))


@bp.post("/t/<tenant>/consents/<int:consent_id>/revoke")
@login_required
def revoke_consent(consent_id: int):  # type: ignore[no-untyped-def]
    viewer = current_staff()
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        abort(404)
    try:
        sharing.revoke_consent(db.session, consent, actor_id=viewer.user_id)
    except CaseError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Consentimento revogado: as partilhas que nele assentam terminaram."), "success")
    target = request.form.get("case_id", type=int)
    if target:
        return redirect(url_for("sharing.shares", case_id=target))
    return redirect(url_for("people.show", person_id=consent.person_id))


@bp.get("/t/<tenant>/cases/<int:case_id>/access-log")
@login_required
def access_log(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    return render_case(
        "cases/access_log.html",
        access,
        "access",
        events=sharing.access_log(db.session, case_id),
        action_labels=AUDIT_ACTION,
        section_read_labels=READ_SECTION,
    )


@bp.route("/t/<tenant>/emergency-access", methods=["GET", "POST"])
@login_required
def emergency():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    if viewer.staff:
        abort(404)
    tenant = current_tenant()
    form = EmergencyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            granted = sharing.open_emergency_access(
                db.session,
                viewer,
                case_number=form.case_number.data or "",
                reason=form.reason.data or "",
            )
        except CaseError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(
                _(
                    "Acesso de emergência aberto por %(h)s horas; "
                    "o/a gestor/a do processo foi avisado/a.",
                    h=tenant.break_glass_hours,
                ),
                "success",
            )
            return redirect(url_for("cases.show", case_id=granted.case_id))
    return render_template(
        "cases/emergency.html", form=form, hours=tenant.break_glass_hours, sections=SECTION
    ), (422 if request.method == "POST" else 200)
