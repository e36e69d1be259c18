"""Referral pages: a case's referrals, and the partner's inbox where it answers them."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from teia.cases import referrals
from teia.cases.access import current_viewer, reached_case_ids, require_section, require_staff
from teia.cases.labels import AREA, REFERRAL_STATUS
from teia.cases.models import Area, Referral, ReferralStatus, Section
from teia.cases.schemas import AnswerForm, ReferralForm
from teia.cases.services import CaseError, audit_read
from teia.cases.sharing import partner_organizations
from teia.cases.views import load_access, render_case
from teia.core.clock import today
from teia.core.db import db

bp = Blueprint("referrals", __name__, template_folder="templates")


def _referral_form() -> ReferralForm:
    form = ReferralForm()
    form.organization.choices = [
        SelectChoice(o.id, o.name) for o in partner_organizations(db.session)
    ]
    if request.method == "GET":
        form.respond_by.data = today() + timedelta(days=10)
    return form


@bp.route("/t/<tenant>/cases/<int:case_id>/referrals", methods=["GET", "POST"])
@login_required
def of_case(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_section(access, Section.REFERRALS)
    form = _referral_form() if access.staff else None
    if request.method == "POST":
        require_staff(access)
        assert form is not None
        if form.validate_on_submit():
            try:
                referrals.create_referral(
                    db.session,
                    access.case,
                    organization_id=form.organization.data,
                    area=Area(form.area.data),
                    request=form.request.data or "",
                    respond_by=form.respond_by.data,  # type: ignore[arg-type]
                    actor_id=access.viewer.user_id,
                )
            except CaseError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(_("Encaminhamento enviado."), "success")
                return redirect(url_for("referrals.of_case", case_id=case_id))
    rows = db.session.scalars(
        referrals.referral_query(access.viewer)
        .where(Referral.case_id == case_id)
        .order_by(Referral.requested_at.desc())
    ).unique()
    audit_read(db.session, access, "referrals")
    return render_case(
        "cases/referrals.html",
        access,
        "referrals",
        referrals=list(rows),
        form=form,
        referral_labels=REFERRAL_STATUS,
    ), (422 if request.method == "POST" else 200)


@bp.get("/t/<tenant>/referrals")
@login_required
def inbox():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    status = request.args.get("status")
    status = status if status in REFERRAL_STATUS else None
    rows = referrals.inbox(db.session, viewer, status)
    return render_template(
        "cases/inbox.html",
        referrals=rows,
        viewer=viewer,
        status=status,
        area_labels=AREA,
        referral_labels=REFERRAL_STATUS,
        today=today(),
    )


@bp.route("/t/<tenant>/referrals/<int:referral_id>", methods=["GET", "POST"])
@login_required
def show(referral_id: int):  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    try:
        referral = referrals.get_referral(db.session, viewer, referral_id)
    except LookupError:
        abort(404)
    form = AnswerForm()
    if request.method == "POST":
        wanted = request.form.get("status", "")
        if wanted not in REFERRAL_STATUS or not form.validate_on_submit():
            abort(400)
        try:
            referrals.answer_referral(
                db.session,
                viewer,
                referral,
                status=ReferralStatus(wanted),
                reason=form.reason.data or "",
                outcome=form.outcome.data or "",
            )
        except CaseError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Resposta registada."), "success")
        return redirect(url_for("referrals.show", referral_id=referral_id))
    # Whether the viewer may open the case itself (a partner needs a share).
    can_open = bool(reached_case_ids(db.session, viewer, [referral.case_id]))
    return render_template(
        "cases/referral.html",
        referral=referral,
        viewer=viewer,
        form=form,
        can_open=can_open,
        area_labels=AREA,
        referral_labels=REFERRAL_STATUS,
    )
