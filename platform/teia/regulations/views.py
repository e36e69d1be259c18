"""Regulation pages: a council's versions, one version article by article, comparisons (two
versions of a council, two councils of a consortium) and the simulator, which saves nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from teia.accounts.models import Role
from teia.cases.labels import RELATIONSHIP
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_consortium, current_tenant, requires_role
from teia.regulations import labels, services
from teia.regulations.facts import MissingReferenceValue
from teia.regulations.models import RegulationVersion
from teia.regulations.rules import by_article, by_section, compare, describe
from teia.regulations.schema import EXPENSE_KINDS, INCOME_SOURCES, RegulationFile
from teia.regulations.simulator import (
    EXPENSE_ROWS,
    INCOME_ROWS,
    ITEM_ROWS,
    MEMBER_ROWS,
    SimulatorForm,
    read_form,
)
from teia.tenants.models import Tenant

bp = Blueprint("regulations", __name__, template_folder="templates")


@bp.app_context_processor
def _vocabulary() -> dict[str, object]:
    """The words for the evaluation partial, wherever it is included."""
    return {"regulation_labels": labels}


@cache
def _separators(locale: str) -> tuple[str, str]:
    return get_group_symbol(locale), get_decimal_symbol(locale)


@bp.app_template_filter("euros")
def euros(value: str | Decimal | None) -> str:
    """``"1234.5"`` → ``1 234,50 €`` in the page's locale: Babel's symbols, looked up once per
    locale, on Python's own grouping (a page shows dozens of amounts; a Babel call each cost
    more than the rest of the evaluation's rendering)."""
    if value is None or value == "":
        return "—"
    group, point = _separators(str(get_locale()))
    digits = f"{Decimal(value):,.2f}".replace(",", "\0").replace(".", point).replace("\0", group)
    return digits + "\N{NO-BREAK SPACE}€"


@bp.app_template_filter("iso_date")
def iso_date(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


bp.add_app_template_filter(labels.expression_text, "regulation_expression")


def _on() -> date:
    try:
        return date.fromisoformat(request.args.get("on", ""))
    except ValueError:
        return today()


def _version(tenant: Tenant, key: str) -> RegulationVersion:
    version = services.find_version(db.session, tenant.id, key)
    if version is None:
        abort(404)
    return version


def _in_force(tenant: Tenant, on: date) -> RegulationVersion | None:
    try:
        return services.version_in_force(db.session, tenant.id, on)
    except services.NoRegulationInForce:
        return None


@bp.get("/t/<tenant>/regulations")
@login_required
@requires_role(*services.REGULATION_ROLES)
def index():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    versions = services.versions(db.session, tenant.id)
    current = _in_force(tenant, today())
    refs = services.reference_rows(db.session, tenant.id)
    others = services.comparable_councils(tenant)
    return render_template(
        "regulations/index.html",
        versions=versions,
        current=current,
        references=refs,
        others=others,
        reference_labels=labels.REFERENCE,
    )


@bp.get("/t/<tenant>/regulations/<version>")
@login_required
@requires_role(*services.REGULATION_ROLES)
def show(version: str):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    row = _version(tenant, version)
    doc = services.regulation_doc(row)
    later = [
        v.effective_from
        for v in services.versions(db.session, tenant.id)
        if v.effective_from > row.effective_from
    ]
    # Amounts are valued while the version applies: today, or its last day when superseded.
    superseded_on = min(later) if later else None
    on = max(row.effective_from, today())
    if superseded_on is not None and superseded_on <= on:
        on = superseded_on - timedelta(days=1)
    rules = describe(doc, services.reference_table(db.session, tenant.id), on)
    return render_template(
        "regulations/show.html",
        version=row,
        doc=doc,
        articles=by_article(doc, rules),
        in_force=row.effective_from <= today()
        and (superseded_on is None or superseded_on > today()),
        superseded_on=superseded_on if superseded_on and superseded_on <= today() else None,
        valued_on=on,
    )


@bp.get("/t/<tenant>/regulations/compare")
@login_required
@requires_role(*services.REGULATION_ROLES)
def compare_versions():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    versions = services.versions(db.session, tenant.id)
    if len(versions) < 2:
        return render_template("regulations/compare.html", rows=None, versions=versions)
    left = _version(tenant, request.args.get("a") or versions[1].effective_from.isoformat())
    right = _version(tenant, request.args.get("b") or versions[0].effective_from.isoformat())
    return _comparison(
        (tenant, left), (tenant, right), versions=versions, title=_("Comparar versões")
    )


@bp.get("/t/<tenant>/regulations/compare-councils")
@login_required
@requires_role(*services.REGULATION_ROLES)
def compare_councils():  # type: ignore[no-untyped-def]
    """This council's version in force beside another council of one of its consortia."""
    tenant = current_tenant()
    assert tenant is not None
    others = {t.slug: t for t in services.comparable_councils(tenant)}
    other = others.get(request.args.get("other", ""))
    if other is None:
        abort(404)
    return _councils(tenant, other, _on(), others=list(others.values()))


@bp.get("/c/<consortium>/regulations/compare")
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium_compare():  # type: ignore[no-untyped-def]
    consortium = current_consortium()
    assert consortium is not None
    members = {t.slug: t for t in consortium.members}
    slugs = list(members)
    if len(slugs) < 2:
        abort(404)
    a = members.get(request.args.get("a") or slugs[0])
    b = members.get(request.args.get("b") or slugs[1])
    if a is None or b is None:
        abort(404)
    return _councils(a, b, _on(), members=list(members.values()), consortium=consortium)


def _councils(a: Tenant, b: Tenant, on: date, **context: object):  # type: ignore[no-untyped-def]
    left, right = _in_force(a, on), _in_force(b, on)
    if left is None or right is None:
        missing = a if left is None else b
        return render_template(
            "regulations/compare.html",
            rows=None,
            missing=missing,
            on=on,
            left_tenant=a,
            right_tenant=b,
            **context,
        )
    return _comparison(
        (a, left), (b, right), on=on, title=_("Comparar municípios"), councils=True, **context
    )


def _comparison(  # type: ignore[no-untyped-def]
    left: tuple[Tenant, RegulationVersion],
    right: tuple[Tenant, RegulationVersion],
    on: date | None = None,
    **context: object,
):
    (lt, lv), (rt, rv) = left, right
    when = on or max(lv.effective_from, rv.effective_from, today())
    left_rules = describe(
        services.regulation_doc(lv), services.reference_table(db.session, lt.id), when
    )
    right_rules = describe(
        services.regulation_doc(rv), services.reference_table(db.session, rt.id), when
    )
    return render_template(
        "regulations/compare.html",
        rows=by_section(compare(left_rules, right_rules)),
        left_tenant=lt,
        right_tenant=rt,
        left=lv,
        right=rv,
        on=when,
        section_labels=labels.SECTION,
        **context,
    )


@bp.route("/t/<tenant>/regulations/simulate", methods=["GET", "POST"])
@login_required
@requires_role(*services.REGULATION_ROLES)
def simulate():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    current = _in_force(tenant, today())
    if current is None:
        abort(404)
    doc = services.regulation_doc(current)
    form = SimulatorForm(values=request.form)
    result = None
    if request.method == "POST":
        data, form = read_form(request.form, [c.id for c in doc.conditions if c.waiver])
        if data is not None:
            on = data.on or today()
            try:
                result = services.simulate(
                    db.session,
                    tenant.id,
                    data.household.snapshot(),
                    data.request.support_request(),
                    on,
                )
            except services.NoRegulationInForce as exc:
                form.errors["on"] = str(exc)
            except MissingReferenceValue:
                form.errors["on"] = _("Não há valores de referência publicados para essa data.")
    if result is not None:
        doc = services.regulation_doc(result.version)
    status = 422 if form.errors else 200
    return render_template(
        "regulations/simulate.html",
        doc=doc,
        version=result.version if result else current,
        form=form,
        result=result,
        evaluation=result.evaluation.to_dict() if result else None,
        rows={
            "member": MEMBER_ROWS,
            "income": INCOME_ROWS,
            "expense": EXPENSE_ROWS,
            "item": ITEM_ROWS,
        },
        labels=labels,
        document_labels={d.code: d.label for d in doc.documents},
        **_choices(doc),
    ), status


def _choices(doc: RegulationFile) -> dict[str, list[tuple[str, str]]]:
    """The simulator's lists: every code the engine knows, in words."""
    return {
        "relationships": [(str(k), str(v)) for k, v in RELATIONSHIP.items()],
        "member_flags": [
            ("disabled", _("deficiência")),
            ("dependent", _("dependente")),
            ("emancipated", _("emancipado")),
            ("unemployed", _("desempregado")),
        ],
        "income_sources": [(k, str(labels.INCOME_SOURCE[k])) for k in INCOME_SOURCES],
        "periods": [("monthly", _("por mês")), ("annual", _("por ano"))],
        "expense_kinds": [(k, str(labels.EXPENSE_KIND[k])) for k in EXPENSE_KINDS],
        "debts": [(k, str(v)) for k, v in labels.DEBTS.items()],
        "yes_no": [("no", _("Não")), ("yes", _("Sim"))],
        "support_types": [(s.code, s.label) for s in doc.support_types],
        "payment_methods": [(m, str(labels.PAYMENT_METHOD[m])) for m in doc.payment.methods],
    }
