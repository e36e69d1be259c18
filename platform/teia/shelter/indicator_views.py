"""The quality indicators of the seed's six dimensions, per unit, council and consortium; and
the shelter hub pages of a council and of a consortium's regulation desk."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from teia.accounts.models import Role
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant, requires_role
from teia.shelter import access, indicators
from teia.shelter.indicators import DIMENSIONS, Period

bp = Blueprint("shelter_indicators", __name__, template_folder="templates")

HUB_ROLES = frozenset((*access.REQUESTER_ROLES, Role.SHELTER_STAFF))


class PeriodForm(FlaskForm):
    """The period of the indicators (a GET form: nothing is written, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("De"), validators=[Optional()], format="%Y-%m-%d")
    end = DateField(_l("Até"), validators=[Optional()], format="%Y-%m-%d")

    def period(self, on: date) -> Period | None:
        """The period asked for (the last 12 months when left empty), or None with the errors
        beside the fields."""
        if not self.validate():
            return None
        end = self.end.data or on
        start = self.start.data or Period.last_twelve_months(end).start
        if start > on:
            self.start.errors = [*self.start.errors, _l("A data inicial não pode ser futura.")]
            return None
        if start > end:
            self.end.errors = [
                *self.end.errors,
                _l("A data final tem de ser igual ou posterior à inicial."),
            ]
            return None
        return Period(start, end)


def _period_form() -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(formdata=request.args)
    return form, form.period(today())


@bp.get("/t/<tenant>/shelter/indicators")
@login_required
@requires_role(*access.REQUESTER_ROLES)
def council():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    form, period = _period_form()
    report = indicators.council_report(db.session, tenant, period) if period else None
    return render_template(
        "shelter/indicators.html",
        scope_name=tenant.official_name,
        back_url=url_for("shelter_indicators.hub"),
        form=form,
        report=report,
        dimensions=DIMENSIONS,
    ), (200 if report else 400)


@bp.get("/c/<consortium>/shelter/indicators")
@login_required
def consortium():  # type: ignore[no-untyped-def]
    desk = access.desk_consortium()
    form, period = _period_form()
    report = indicators.consortium_report(db.session, desk, period) if period else None
    return render_template(
        "shelter/indicators.html",
        scope_name=desk.official_name,
        back_url=url_for("shelter_indicators.desk_hub"),
        form=form,
        report=report,
        dimensions=DIMENSIONS,
    ), (200 if report else 400)


@bp.get("/t/<tenant>/shelter/")
@login_required
def hub():  # type: ignore[no-untyped-def]
    """The council's shelter home: requests and stays for its staff, units for the admin,
    offers and residents for a unit's staff."""
    roles = current_roles()
    if not roles & HUB_ROLES:
        abort(403)
    tenant = current_tenant()
    requester = bool(roles & set(access.REQUESTER_ROLES))
    is_admin = bool(roles & set(access.UNIT_ADMIN_ROLES))
    return render_template(
        "shelter/hub.html",
        tenant=tenant,
        overview=indicators.council_overview(db.session, today()) if requester else None,
        hosted_units=indicators.hosted_units_count(db.session, tenant.id) if is_admin else None,
        unit_work=(
            indicators.unit_work(db.session, access.staffed_units(db.session))
            if Role.SHELTER_STAFF in roles
            else None
        ),
    )


@bp.get("/c/<consortium>/shelter/")
@login_required
def desk_hub():  # type: ignore[no-untyped-def]
    """The regulation desk's home: the queue by risk, offers awaiting an answer, the links."""
    desk = access.desk_consortium()
    return render_template(
        "shelter/desk_hub.html",
        consortium=desk,
        overview=indicators.desk_overview(db.session, desk.id),
    )
