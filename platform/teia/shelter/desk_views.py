"""The consortium's regulation desk: the queue, the ranked candidates, offers, the log.

Only the consortium's coordinators reach it (``access.desk_consortium``); a council member
without a membership in the consortium gets 404 from the scope resolver, and a profile or an
offer of another consortium is 404 here. The views read forms and call
:mod:`teia.shelter.allocation`; a refused offer comes back with the service's message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import Field

from teia.audit.services import audit
from teia.cases.labels import resolved
from teia.core.db import MAX_ID, db, utcnow
from teia.shelter import access, allocation, catalog, ranking
from teia.shelter.desk_forms import OfferForm, WithdrawForm
from teia.shelter.labels import (
    ALLOCATION_STATUS,
    CONSTRAINTS,
    EVENT_ACTION,
    EXCLUSION_REASON,
    PROFILE_STATUS,
    RANK_RULE,
    RISK,
    SEX,
    SEX_RULE,
    URGENCY,
)
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import OPEN_PROFILE_STATUSES, Allocation, PlacementProfile, ProfileStatus

bp = Blueprint("shelter_desk", __name__, template_folder="templates")

# The request page lists this many candidates, and this many units under each exclusion
# reason, unless ``?all=1`` asks for every one.
CANDIDATES_SHOWN = 25
EXCLUDED_SHOWN = 10


def _labels() -> dict[str, dict[str, str]]:
    return {
        "risk": resolved(RISK),
        "urgency": resolved(URGENCY),
        "sex": resolved(SEX),
        "sex_rule": resolved(SEX_RULE),
        "profile_status": resolved(PROFILE_STATUS),
        "allocation_status": resolved(ALLOCATION_STATUS),
        "event": resolved(EVENT_ACTION),
        "rule": resolved(RANK_RULE),
        "reason": resolved(EXCLUSION_REASON),
    }


# --- how a position, a wait and a profile's needs read (called per row: the catalogue is
# bound once per page, as the templates' own gettext is) --------------------------------------


def _text() -> dict[str, Callable[..., str]]:
    translations = get_translations()
    rule_names, constraint_names = resolved(RANK_RULE), resolved(CONSTRAINTS)
    flags = (
        ("outside_territory", translations.ugettext("fora do território, por segurança")),
        ("needs_accessibility", translations.ugettext("acessibilidade")),
        ("needs_intensive_care", translations.ugettext("cuidados intensivos")),
    )

    def explain(position: int, rules: Iterable[Any], score: int) -> str:
        """ "1.º — mesmo concelho (+100), quota do município (+10) = 110" from a ranked unit's
        rules (``ranking.Rule`` or, stored in an offer's explanation, ``{code, points}``)."""
        parts = []
        for rule in rules:
            code, points = (rule["code"], rule["points"]) if isinstance(rule, dict) else rule
            parts.append(f"{rule_names.get(code, code)} (+{points})")
        return f"{position}.º — {', '.join(parts)} = {score}"

    def waited(delta: timedelta) -> str:
        """A wait in hours up to two days, in days after."""
        hours = int(delta.total_seconds() // 3600)
        if hours < 48:
            return translations.ungettext("%(num)d hora", "%(num)d horas", hours) % {"num": hours}
        days = hours // 24
        return translations.ungettext("%(num)d dia", "%(num)d dias", days) % {"num": days}

    def needs(profile: PlacementProfile, modalities: dict[str, str]) -> str:
        """The safety flag, needs, modalities asked for and constraints of a profile."""
        items = [text for attribute, text in flags if getattr(profile, attribute)]
        items += [modalities.get(m, m) for m in profile.modalities or ()]
        items += [constraint_names.get(c, c) for c in profile.constraints or ()]
        return "; ".join(items) or "—"

    return {"explain": explain, "waited": waited, "needs": needs}


def _attach(form: FlaskForm, exc: ShelterError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _page() -> int:
    """The page asked for, 1 to a page past any data (the offset stays a valid integer)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_ID // allocation.PAGE_SIZE)


# --- the queue -----------------------------------------------------------------------------


@bp.get("/c/<consortium>/shelter/queue")
@login_required
def queue():  # type: ignore[no-untyped-def]
    consortium = access.desk_consortium()
    publics = catalog.publics(db.session, consortium.country)
    public = request.args.get("public", "")
    status = request.args.get("status", "")
    filters = allocation.QueueFilters(
        public=public if public in publics else None,
        status=status if status in OPEN_PROFILE_STATUSES else None,
        page=_page(),
    )
    rows, total = allocation.queue(db.session, consortium.id, filters)
    return render_template(
        "shelter/desk_queue.html",
        consortium=consortium,
        rows=rows,
        total=total,
        filters=filters,
        page_size=allocation.PAGE_SIZE,
        publics={code: p.label for code, p in publics.items()},
        modalities={
            code: m.label for code, m in catalog.modalities(db.session, consortium.country).items()
        },
        statuses=[str(s) for s in OPEN_PROFILE_STATUSES],
        now=utcnow(),
        labels=_labels(),
        **_text(),
    )


# --- one request ---------------------------------------------------------------------------


def _render_request(
    profile: PlacementProfile,
    *,
    offer_form: OfferForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    consortium = access.desk_consortium()
    publics = catalog.publics(db.session, consortium.country)
    show_all = request.args.get("all") == "1"
    ranked, councils = allocation.load_ranking(
        db.session, profile, publics, lacking_listed=None if show_all else EXCLUDED_SHOWN
    )
    modalities = catalog.modalities(db.session, consortium.country)
    offers = allocation.offers_of(db.session, profile.id)
    pending = next((o for o in offers if o.status in allocation.PENDING_OFFER), None)
    if offer_form is None:
        offer_form = OfferForm(prefix="offer")
        offer_form.hold_hours.data = allocation.default_hold_hours(profile)
    return render_template(
        "shelter/desk_request.html",
        consortium=consortium,
        profile=profile,
        ranking=ranked,
        candidates=ranked.candidates if show_all else ranked.candidates[:CANDIDATES_SHOWN],
        excluded_shown=None if show_all else EXCLUDED_SHOWN,
        show_all=show_all,
        councils=councils,
        offers=offers,
        pending=pending,
        events=allocation.events_of(db.session, profile.id),
        offer_form=offer_form,
        can_offer=profile.status == ProfileStatus.WAITING,
        withdraw_form=withdraw_form or WithdrawForm(prefix="withdraw"),
        publics={code: p.label for code, p in publics.items()},
        modalities={code: m.label for code, m in modalities.items()},
        points=ranking.POINTS,
        now=utcnow(),
        labels=_labels(),
        **_text(),
    ), status


@bp.get("/c/<consortium>/shelter/requests/<int:profile_id>", endpoint="request")
@login_required
def request_page(profile_id: int):  # type: ignore[no-untyped-def]
    profile = access.desk_profile(db.session, profile_id)
    audit(
        db.session,
        "shelter.profile_viewed",
        object_type="placement_profile",
        object_id=profile.id,
        purpose=str(allocation.DESK_PURPOSE),
    )
    return _render_request(profile)


@bp.post("/c/<consortium>/shelter/requests/<int:profile_id>/offer")
@login_required
def offer(profile_id: int):  # type: ignore[no-untyped-def]
    profile = access.desk_profile(db.session, profile_id)
    form = OfferForm(prefix="offer")
    if form.validate_on_submit():
        try:
            made = allocation.offer(
                db.session,
                profile,
                form.unit_id.data,  # type: ignore[arg-type]
                actor_id=current_user.id,
                hold_hours=form.hold_hours.data,  # type: ignore[arg-type]
            )
        except ShelterError as exc:
            db.session.rollback()
            _attach(form, exc)
            profile = access.desk_profile(db.session, profile_id)
            return _render_request(profile, offer_form=form, status=409)
        flash(
            _("Vaga oferecida a %(unit)s; a unidade foi avisada.", unit=made.unit.name),
            "success",
        )
        return redirect(url_for("shelter_desk.request", profile_id=profile.id))
    if profile.status != ProfileStatus.WAITING:
        form.form_errors.append(
            _("Este pedido já não está em espera: não se pode oferecer outra vaga.")
        )
    return _render_request(profile, offer_form=form, status=422)


@bp.post("/c/<consortium>/shelter/offers/<int:allocation_id>/withdraw")
@login_required
def withdraw(allocation_id: int):  # type: ignore[no-untyped-def]
    consortium = access.desk_consortium()
    held = db.session.get(Allocation, allocation_id)
    if held is None or held.consortium_id != consortium.id:
        abort(404)
    form = WithdrawForm(prefix="withdraw")
    if form.validate_on_submit():
        try:
            allocation.withdraw(
                db.session,
                held,
                actor_id=current_user.id,
                reason=form.reason.data or "",
            )
        except ShelterError as exc:
            db.session.rollback()
            _attach(form, exc)
            held = db.session.get(Allocation, allocation_id)
            assert held is not None
            return _render_request(held.profile, withdraw_form=form, status=409)
        flash(_("Oferta retirada; o pedido voltou à fila."), "success")
        return redirect(url_for("shelter_desk.request", profile_id=held.profile_id))
    return _render_request(held.profile, withdraw_form=form, status=422)


# --- the log ---------------------------------------------------------------------------------


@bp.get("/c/<consortium>/shelter/log")
@login_required
def log():  # type: ignore[no-untyped-def]
    consortium = access.desk_consortium()
    page = _page()
    rows, more = allocation.log_page(db.session, consortium.id, page)
    return render_template(
        "shelter/desk_log.html",
        consortium=consortium,
        rows=rows,
        page=page,
        more=more,
        labels=_labels(),
        **_text(),
    )
