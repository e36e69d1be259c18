"""The scopes a bearer token can carry, and which roles may hold each.

Every ``/api/v1`` operation declares the one scope it needs (``documented(scope=...)``); a
token without it gets 403 ``insufficient_scope``. A personal token may only carry scopes its
user's roles allow; a machine client acts as a partner of its organisation, so it may only
hold the scopes a partner's roles allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from teia.accounts.models import Role


class Scope(StrEnum):
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    PERSONS_READ = "persons:read"
    PERSONS_WRITE = "persons:write"
    REFERRALS_READ = "referrals:read"
    REFERRALS_WRITE = "referrals:write"
    PLAN_ACTIONS_WRITE = "plan-actions:write"
    PLACES_READ = "places:read"  # the shelter units a council hosts, with their occupancy
    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"
    REGULATIONS_READ = "regulations:read"
    MEMBERS_READ = "members:read"
    MEMBERS_WRITE = "members:write"
    GROUPS_READ = "groups:read"  # the caller's working groups and their vignettes
    PRACTICES_READ = "practices:read"  # the published good practices
    REPORTS_READ = "reports:read"  # the council's or consortium's reports and indicators


SCOPE_LABELS = {
    Scope.CASES_READ: _l("Ler processos (o que as partilhas abrem, para um parceiro)"),
    Scope.CASES_WRITE: _l("Abrir e alterar processos, planos e partilhas"),
    Scope.PERSONS_READ: _l("Procurar e ler pessoas"),
    Scope.PERSONS_WRITE: _l("Registar pessoas e consentimentos"),
    Scope.REFERRALS_READ: _l("Ler encaminhamentos"),
    Scope.REFERRALS_WRITE: _l("Encaminhar e responder a encaminhamentos"),
    Scope.PLAN_ACTIONS_WRITE: _l("Atualizar ações do plano"),
    Scope.PLACES_READ: _l("Ler unidades e vagas de acolhimento"),
    Scope.APPLICATIONS_READ: _l("Ler candidaturas a apoios"),
    Scope.APPLICATIONS_WRITE: _l("Instruir e decidir candidaturas"),
    Scope.REGULATIONS_READ: _l("Ler e simular o regulamento"),
    Scope.MEMBERS_READ: _l("Ler os membros do município"),
    Scope.MEMBERS_WRITE: _l("Convidar membros"),
    Scope.GROUPS_READ: _l("Ler os grupos de trabalho de que faz parte e as suas vinhetas"),
    Scope.PRACTICES_READ: _l("Ler a biblioteca de boas práticas"),
    Scope.REPORTS_READ: _l("Ler relatórios e indicadores"),
}

_PARTNER = frozenset(
    {
        Scope.CASES_READ,
        Scope.PERSONS_READ,
        Scope.REFERRALS_READ,
        Scope.REFERRALS_WRITE,
        Scope.PLAN_ACTIONS_WRITE,
        Scope.REGULATIONS_READ,
    }
)
_CASEWORK = _PARTNER | {
    Scope.CASES_WRITE,
    Scope.PERSONS_WRITE,
    Scope.APPLICATIONS_READ,
    Scope.APPLICATIONS_WRITE,
    Scope.PLACES_READ,
}
_APPLICATIONS = frozenset(
    {Scope.APPLICATIONS_READ, Scope.APPLICATIONS_WRITE, Scope.REGULATIONS_READ}
)
# Working groups and the practice library are a person's, not an organisation's: every role
# of a person may read them; a machine client may not.
_COLLABORATION = frozenset({Scope.GROUPS_READ, Scope.PRACTICES_READ})
_REPORTS = frozenset({Scope.REPORTS_READ})  # aggregate figures: the council's own people
_OWN: dict[Role, frozenset[Scope]] = {
    Role.PARTNER_PROFESSIONAL: _PARTNER,
    Role.SHELTER_STAFF: _PARTNER | {Scope.PLACES_READ},
    Role.TECHNICIAN: _CASEWORK | _REPORTS,
    Role.CASE_MANAGER: _CASEWORK | _REPORTS,
    Role.TENANT_ADMIN: _CASEWORK | _REPORTS | {Scope.MEMBERS_READ, Scope.MEMBERS_WRITE},
    Role.DECISION_MAKER: _APPLICATIONS | _REPORTS,
    Role.FINANCE: _APPLICATIONS | _REPORTS,
    Role.CONSORTIUM_COORDINATOR: _REPORTS,
}
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    role: scopes | _COLLABORATION for role, scopes in _OWN.items()
}
# What a machine client may hold: it acts as a partner professional of its organisation.
CLIENT_ROLE = Role.PARTNER_PROFESSIONAL
CLIENT_SCOPES = _OWN[CLIENT_ROLE]


def scopes_for_roles(roles: Iterable[Role]) -> frozenset[Scope]:
    allowed: frozenset[Scope] = frozenset()
    for role in roles:
        allowed |= ROLE_SCOPES[Role(role)]
    return allowed


def ordered(scopes: Iterable[str]) -> list[str]:
    """Scopes in the order of :class:`Scope` (how forms and lists show them)."""
    wanted = set(scopes)
    return [s.value for s in Scope if s.value in wanted]
