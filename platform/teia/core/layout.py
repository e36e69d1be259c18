"""What the base layout shows: the scope switcher, navigation by role, unread count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from teia.accounts.models import Role
from teia.applications.workflow import READ_ROLES as APPLICATION_ROLES
from teia.cases.access import PARTNER_ROLES, STAFF_ROLES
from teia.core.db import db
from teia.core.scope import current_roles, memberships
from teia.notifications.services import unread_count
from teia.regulations.services import REGULATION_ROLES
from teia.reports.views import COUNCIL_ROLES as COUNCIL_REPORT_ROLES
from teia.shelter.access import DESK_ROLES as SHELTER_DESK_ROLES
from teia.shelter.access import REQUESTER_ROLES as SHELTER_ROLES


@dataclass(frozen=True)
class ScopeChoice:
    key: str
    slug: str
    label: str
    url: str


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def scope_choices() -> list[ScopeChoice]:
    """Each council or consortium the user works in, once, in membership order."""
    seen: dict[str, ScopeChoice] = {}
    for m in memberships():
        if m.tenant is not None:
            key = f"t/{m.tenant.slug}"
            choice = ScopeChoice(
                key, m.tenant.slug, m.tenant.name, url_for("tenants.home", tenant=m.tenant.slug)
            )
        else:
            assert m.consortium is not None
            key = f"c/{m.consortium.slug}"
            choice = ScopeChoice(
                key,
                m.consortium.slug,
                m.consortium.name,
                url_for("tenants.consortium_home", consortium=m.consortium.slug),
            )
        seen.setdefault(key, choice)
    return list(seen.values())


def _nav() -> list[NavItem]:
    items: list[tuple[str, str]] = []
    roles = current_roles()
    if g.get("tenant") is not None:
        items.append((_("Início"), url_for("tenants.home")))
        if roles & (STAFF_ROLES | PARTNER_ROLES):
            items.append((_("Processos"), url_for("cases.index")))
            items.append((_("Pessoas"), url_for("people.search")))
            items.append((_("Encaminhamentos"), url_for("referrals.inbox")))
        if roles & APPLICATION_ROLES:
            items.append((_("Candidaturas"), url_for("applications.index")))
        if roles & REGULATION_ROLES:
            items.append((_("Regulamento"), url_for("regulations.index")))
        if roles & {*SHELTER_ROLES, Role.SHELTER_STAFF}:
            items.append((_("Acolhimento"), url_for("shelter_indicators.hub")))
        if roles & COUNCIL_REPORT_ROLES:
            items.append((_("Indicadores"), url_for("dashboards.council")))
        if roles & {Role.CASE_MANAGER, Role.TENANT_ADMIN}:
            items.append((_("Carga de trabalho"), url_for("cases.caseload")))
        if roles & PARTNER_ROLES and not roles & STAFF_ROLES and g.tenant.break_glass_hours:
            items.append((_("Acesso de emergência"), url_for("sharing.emergency")))
        if Role.TENANT_ADMIN in roles:
            items.append((_("Utilizadores"), url_for("accounts.users")))
            items.append((_("Entrada por organização"), url_for("sso.tenant_providers")))
            items.append((_("Auditoria"), url_for("audit.tenant_log")))
            items.append((_("Acesso à API"), url_for("oauth.clients")))
    elif g.get("consortium") is not None:
        items.append((_("Início"), url_for("tenants.consortium_home")))
        if Role.CONSORTIUM_COORDINATOR in roles:
            items.append((_("Regulamentos"), url_for("regulations.consortium_compare")))
            items.append((_("Indicadores"), url_for("dashboards.consortium")))
        if roles & set(SHELTER_DESK_ROLES):
            items.append((_("Acolhimento"), url_for("shelter_indicators.desk_hub")))
        if Role.CONSORTIUM_COORDINATOR in roles:
            items.append((_("Grupos do consórcio"), url_for("groups.consortium_groups")))
    if memberships():  # what crosses councils, reached from any scope (and from none)
        items.append((_("Grupos de trabalho"), url_for("groups.index")))
        items.append((_("Boas práticas"), url_for("practices.index")))
    if current_user.is_platform_admin:
        items.append((_("Plataforma"), url_for("tenants.platform_admin")))
    return [NavItem(label, url, request.path == url) for label, url in items]


def local_time(value: datetime) -> str:
    """A stored (naive UTC) timestamp as the council's local ``dd/mm/aaaa hh:mm``: plain
    ``zoneinfo`` arithmetic, a small fraction of Babel's cost on pages with long histories."""
    tenant = g.get("tenant")
    zone = ZoneInfo(tenant.timezone if tenant is not None else "Europe/Lisbon")
    return value.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time)

    @app.context_processor
    def _layout() -> dict[str, Any]:
        lang = str(get_locale() or "pt_PT").replace("_", "-")
        if not current_user.is_authenticated:
            return {"html_lang": lang, "layout_scopes": [], "layout_nav": [], "layout_unread": 0}
        return {
            "html_lang": lang,
            "layout_scopes": scope_choices(),
            "layout_nav": _nav(),
            "layout_unread": unread_count(db.session, current_user.id),
        }
