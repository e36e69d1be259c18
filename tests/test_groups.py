"""Working groups through their pages: a consortium's coordinator forms one and coordinates
it, a platform admin forms one ad hoc across councils and names its coordinator without a seat
of their own; coordinators add (through one of the person's memberships), remove and promote
members, and a group always keeps a coordinator. Only members reach a group, and only while
the membership their seat rests on holds; only coordinators change it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import Membership, Role
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.groups.models import GroupCouncil, GroupMember, MemberRole, WorkingGroup
from teia.notifications.models import Notification
from teia.tenants.models import Tenant
from tests import groups_factories as gf
from tests.conftest import csrf_token

COORDINATOR = "coordenacao@cimac.demo"
MOURAO = "gestora@mourao.demo"  # a member of the test group
PORTEL = "gestora@portel.demo"  # a member of the test group
NAME = "Grupo de intervenção familiar"
# Not members of the test group: other councils' staff, CIMBAL's coordinator, the platform.
OUTSIDERS = (
    "coordenacao@mourao.demo",
    "tecnica@mourao.demo",
    "gestor@reguengos-de-monsaraz.demo",
    "coordenacao@portel.demo",
    "coordenacao@cimbal.demo",
    "admin@teia.demo",
)


@dataclass(frozen=True)
class World:
    group: int
    coordinator: int  # the coordinator's seat
    mourao: int  # gestora@mourao.demo's seat
    portel: int  # gestora@portel.demo's seat


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        built = gf.group()
        seats = {m.user_id: m.id for m in built.members}
        world = World(
            built.id,
            seats[gf.user_id(COORDINATOR)],
            seats[gf.user_id(MOURAO)],
            seats[gf.user_id(PORTEL)],
        )
        db.session.commit()
        return world


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _token(c: FlaskClient) -> str:
    return csrf_token(_page(c, "/notifications"))


def _post(c: FlaskClient, path: str, data: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    """POST with the session's CSRF token, under each form prefix the data uses too."""
    token = _token(c)
    prefixes = {key.split("-")[0] for key in data or {} if "-" in key}
    tokens = {f"{p}-csrf_token": token for p in prefixes}
    return c.post(path, data={"csrf_token": token, **tokens, **(data or {})})


def _membership(app: Flask, email: str, scope: str) -> int:
    """The id of the user's active membership in a council (or a consortium) by slug."""
    with app.app_context():
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == gf.user_id(email))
        ):
            if (m.tenant and m.tenant.slug == scope) or (
                m.consortium and m.consortium.slug == scope
            ):
                return m.id
    raise AssertionError((email, scope))


def _tenant(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        assert found is not None
        return found


def _seat(app: Flask, group_id: int, email: str) -> GroupMember | None:
    with app.app_context():
        return db.session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id == gf.user_id(email)
            )
        )


def _events(app: Flask, action: str, group_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(group_id)
                )
            )
        )


# --- forming --------------------------------------------------------------------------------


def test_a_consortium_coordinator_forms_a_group_and_coordinates_it(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    page = _page(c, "/c/cimac/groups/new")
    response = c.post(
        "/c/cimac/groups/new",
        data={
            "csrf_token": csrf_token(page),
            "name": "Pessoas idosas isoladas",
            "theme": "Isolamento de pessoas idosas nas aldeias: respostas que funcionam.",
        },
    )
    assert response.status_code == 302
    group_id = int(re.fullmatch(r"/groups/(\d+)/members", response.headers["Location"])[1])  # type: ignore[index]
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id)
        assert group is not None and group.consortium is not None
        assert group.consortium.slug == "cimac" and group.active
        [seat] = group.members
        assert seat.user_id == gf.user_id(COORDINATOR) and seat.role == MemberRole.COORDINATOR
        assert seat.tenant_id is None and seat.organization.slug == "cimac"
    assert len(_events(app, "group.created", group_id)) == 1
    assert "Pessoas idosas isoladas" in _page(c, "/groups/")
    assert "Pessoas idosas isoladas" in _page(c, "/c/cimac/groups")


def test_forming_asks_for_a_name_and_a_theme(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    page = _page(c, "/c/cimac/groups/new")
    response = c.post(
        "/c/cimac/groups/new", data={"csrf_token": csrf_token(page), "name": "  ", "theme": ""}
    )
    assert response.status_code == 422
    assert response.text.count("Preencha este campo.") == 2


@pytest.mark.parametrize(
    "email", ["gestora@mourao.demo", "coordenacao@mourao.demo", "coordenacao@cimbal.demo"]
)
def test_only_the_consortiums_coordinators_form_its_groups(as_user, email: str) -> None:  # type: ignore[no-untyped-def]
    c = as_user(email)
    assert c.get("/c/cimac/groups/new").status_code == 404
    assert _post(c, "/c/cimac/groups/new", {"name": "X", "theme": "Y"}).status_code == 404
    assert c.get("/c/cimac/groups").status_code == 404
    assert c.get("/admin/groups/new").status_code == 404


def _ad_hoc(c: FlaskClient, app: Flask, **changes: object):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "name": "Violência doméstica no Guadiana",
        "theme": "Respostas às vítimas de violência doméstica dos dois lados do Guadiana.",
        "councils": [_tenant(app, "mourao"), _tenant(app, "portel")],
        "coordinator_email": PORTEL,
        "coordinator_council": _tenant(app, "portel"),
        **changes,
    }
    return c.post(
        "/admin/groups/new", data={"csrf_token": csrf_token(_page(c, "/admin/groups/new")), **data}
    )


def test_a_platform_admin_forms_an_ad_hoc_group_without_a_seat(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin@teia.demo")
    response = _ad_hoc(admin, app)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert "coordenação: Helena Gestora de Caso" in _page(admin, "/admin/")
    with app.app_context():
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Violência doméstica no Guadiana")
        )
        assert group is not None and group.consortium_id is None
        assert {c.tenant.slug for c in group.councils} == {"mourao", "portel"}
        [seat] = group.members
        assert seat.user_id == gf.user_id(PORTEL) and seat.role == MemberRole.COORDINATOR
        assert seat.tenant_id == _tenant(app, "portel")
        group_id = group.id
    assert admin.get(f"/groups/{group_id}").status_code == 404
    assert "Violência doméstica no Guadiana" not in _page(admin, "/groups/")
    portel = as_user(PORTEL)
    page = _page(portel, f"/groups/{group_id}")
    assert "Grupo entre municípios" in _page(portel, "/groups/")
    assert "Mourão, Portel" in page
    # Its coordinator adds members of its councils only: not Reguengos' case manager.
    members = _page(portel, f"/groups/{group_id}/members")
    assert "Ana Gestora de Caso" in members and "Rui Gestor de Caso" not in members


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"councils": [0]}, "Escolha pelo menos 2 municípios."),
        ({"coordinator_council": 0}, "O município da coordenação tem de ser um dos municípios"),
        ({"coordinator_email": "decisao@mourao.demo"}, "Não há nenhum profissional com este"),
        ({"coordinator_email": "gestora@mourao.demo"}, "Não há nenhum profissional com este"),
        ({"coordinator_email": "nao-e-email"}, "Escreva um endereço de e-mail válido."),
    ],
)
def test_an_ad_hoc_group_needs_councils_and_a_coordinator_of_one_of_them(  # type: ignore[no-untyped-def]
    app: Flask, as_user, changes: dict[str, object], message: str
) -> None:
    if changes.get("councils") == [0]:
        changes = {"councils": [_tenant(app, "portel")]}
    if changes.get("coordinator_council") == 0:
        changes = {"coordinator_council": _tenant(app, "reguengos-de-monsaraz")}
    if changes.get("coordinator_email") == "decisao@mourao.demo":  # not a seat role
        changes = {**changes, "coordinator_council": _tenant(app, "mourao")}
    response = _ad_hoc(as_user("admin@teia.demo"), app, **changes)
    assert response.status_code == 422 and message in response.text
    with app.app_context():
        assert db.session.scalar(select(GroupCouncil).limit(1)) is None


# --- members --------------------------------------------------------------------------------


def test_the_coordinator_adds_a_member_through_one_of_their_memberships(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    c = as_user(COORDINATOR)
    page = _page(c, f"/groups/{world.group}/members")
    # The technician works in Mourão and Portel: she is offered under each council.
    portel_membership = _membership(app, "tecnica@mourao.demo", "portel")
    assert f'<option value="{portel_membership}">Joana Técnica' in page
    assert page.count("Joana Técnica —") == 2
    for absent in ("Vereador da Ação Social", "Divisão Financeira", "Paulo Coordenador"):
        assert absent not in page  # decision, finance, CIMBAL's coordinator: no seat
    response = c.post(
        f"/groups/{world.group}/members",
        data={
            "csrf_token": csrf_token(page),
            "add-membership": portel_membership,
            "add-role": "member",
        },
    )
    assert response.status_code == 302
    seat = _seat(app, world.group, "tecnica@mourao.demo")
    assert seat is not None and seat.active and seat.tenant_id == _tenant(app, "portel")
    assert len(_events(app, "group.member_added", world.group)) == 1
    with app.app_context():
        [note] = db.session.scalars(
            select(Notification).where(
                Notification.user_id == gf.user_id("tecnica@mourao.demo"),
                Notification.kind == "groups.membership",
            )
        )
        assert note.link == f"/groups/{world.group}" and NAME in note.subject
    technician = as_user("tecnica@mourao.demo")
    assert NAME in _page(technician, "/groups/")
    assert "participa por Portel" in _page(technician, "/groups/")
    members = _page(c, f"/groups/{world.group}/members")
    assert "Joana Técnica —" not in members  # seated: no longer offered


@pytest.mark.parametrize(
    ("email", "scope"),
    [
        ("decisao@mourao.demo", "mourao"),
        ("coordenacao@cimbal.demo", "cimbal"),
        ("gestora@mourao.demo", "mourao"),  # already a member
    ],
)
def test_a_seat_needs_a_staff_or_partner_membership_of_the_groups_councils(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World, email: str, scope: str
) -> None:
    c = as_user(COORDINATOR)
    response = _post(
        c,
        f"/groups/{world.group}/members",
        {"add-membership": _membership(app, email, scope), "add-role": "member"},
    )
    assert response.status_code == 422
    assert "Só podem entrar profissionais" in response.text or "já é membro" in response.text


def test_a_removed_member_loses_the_group_and_may_come_back(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    c = as_user(COORDINATOR)
    assert _post(c, f"/groups/{world.group}/members/{world.portel}/remove").status_code == 302
    seat = _seat(app, world.group, PORTEL)
    assert seat is not None and not seat.active and seat.left_at is not None
    portel = as_user(PORTEL)
    assert portel.get(f"/groups/{world.group}").status_code == 404
    assert NAME not in _page(portel, "/groups/")
    assert "Saíram do grupo" in _page(c, f"/groups/{world.group}/members")
    membership = _membership(app, PORTEL, "portel")
    response = _post(
        c,
        f"/groups/{world.group}/members",
        {"add-membership": membership, "add-role": "member"},
    )
    assert response.status_code == 302
    seat = _seat(app, world.group, PORTEL)
    assert seat is not None and seat.active and seat.left_at is None and seat.id == world.portel
    assert portel.get(f"/groups/{world.group}").status_code == 200


def test_a_group_always_keeps_a_coordinator(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    me = world.coordinator
    refused = _post(c, f"/groups/{world.group}/members/{me}/remove")
    assert refused.status_code == 409 and "pelo menos uma pessoa na coordenação" in refused.text
    refused = _post(c, f"/groups/{world.group}/members/{me}/role", {f"r{me}-role": "member"})
    assert refused.status_code == 409
    promoted = _post(
        c,
        f"/groups/{world.group}/members/{world.mourao}/role",
        {f"r{world.mourao}-role": "coordinator"},
    )
    assert promoted.status_code == 302
    stepped_down = _post(c, f"/groups/{world.group}/members/{me}/role", {f"r{me}-role": "member"})
    assert stepped_down.status_code == 302
    assert c.get(f"/groups/{world.group}/members/{world.portel}/remove").status_code == 405
    # Now a plain member, the consortium's coordinator may no longer change members.
    assert _post(c, f"/groups/{world.group}/members/{world.portel}/remove").status_code == 403
    mourao = as_user(MOURAO)
    assert "Acrescentar membro" in _page(mourao, f"/groups/{world.group}/members")
    left = _post(mourao, f"/groups/{world.group}/members/{world.mourao}/remove")
    assert left.status_code == 409  # the only coordinator again
    assert len(_events(app, "group.member_role_changed", world.group)) == 2


def test_a_member_of_another_group_is_not_reached_through_this_one(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    with app.app_context():
        other = gf.group(name="Outro grupo", members=("gestor@reguengos-de-monsaraz.demo",))
        stranger = next(m.id for m in other.members if m.role == MemberRole.MEMBER)
        db.session.commit()
    c = as_user(COORDINATOR)
    assert _post(c, f"/groups/{world.group}/members/{stranger}/remove").status_code == 404
    assert (
        _post(c, f"/groups/{world.group}/members/{stranger}/role", {f"r{stranger}-role": "member"})
    ).status_code == 404


# --- pages ----------------------------------------------------------------------------------


def test_the_group_page_shows_theme_councils_coordination_and_members(  # type: ignore[no-untyped-def]
    as_user, world: World
) -> None:
    page = _page(as_user(PORTEL), f"/groups/{world.group}")
    assert f"<h1>{NAME}</h1>" in page
    assert "Famílias com crianças em risco" in page
    assert "CIMAC" in page and "Mourão, Portel, Reguengos de Monsaraz" in page
    assert "Inês Coordenadora (CIMAC) (Comunidade Intermunicipal do Alentejo Central)" in page
    assert re.search(r"<h3>Mourão</h3>\s*<ul class=\"plain\">\s*<li>Ana Gestora de Caso", page)
    assert 'Helena Gestora de Caso <span class="muted">(Município de Portel)' in page
    assert f'href="/groups/{world.group}/members"' in page
    assert f'href="/groups/{world.group}/constraints"' in page
    assert f"/groups/{world.group}/edit" not in page and "Encerrar o grupo" not in page
    coordinator = _page(as_user(COORDINATOR), f"/groups/{world.group}")
    assert f"/groups/{world.group}/edit" in coordinator and "Encerrar o grupo" in coordinator


def test_my_groups_are_listed_from_any_scope(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    page = _page(as_user(MOURAO), "/groups/")
    assert f'href="/groups/{world.group}"' in page and "participa por Mourão" in page
    assert NAME not in _page(as_user("gestor@reguengos-de-monsaraz.demo"), "/groups/")
    coordinator = _page(as_user(COORDINATOR), "/groups/")
    assert 'href="/c/cimac/groups/new"' in coordinator and 'href="/c/cimac/groups"' in coordinator
    assert "/c/cimac/groups/new" not in page


def test_the_coordinator_renames_and_closes_the_group(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    page = _page(c, f"/groups/{world.group}/edit")
    assert 'value="Grupo de intervenção familiar"' in page
    response = c.post(
        f"/groups/{world.group}/edit",
        data={"csrf_token": csrf_token(page), "name": "Famílias em risco", "theme": "Novo tema"},
    )
    assert response.status_code == 302
    assert "Novo tema" in _page(c, f"/groups/{world.group}")
    refused = c.post(
        f"/groups/{world.group}/edit",
        data={"csrf_token": csrf_token(page), "name": "", "theme": "x"},
    )
    assert refused.status_code == 422
    closed = c.post(f"/groups/{world.group}/close", data={"csrf_token": csrf_token(page)})
    assert closed.status_code == 302
    for email in (COORDINATOR, PORTEL):
        assert as_user(email).get(f"/groups/{world.group}").status_code == 404
    overview = _page(c, "/c/cimac/groups")
    row = overview[overview.index("Famílias em risco") :]
    assert "encerrado" in row[: row.index("</tr>")]
    assert len(_events(app, "group.closed", world.group)) == 1


def test_the_consortiums_overview_shows_names_themes_and_sizes_only(  # type: ignore[no-untyped-def]
    as_user, world: World
) -> None:
    page = _page(as_user(COORDINATOR), "/c/cimac/groups")
    row = page[page.rindex("<tr>", 0, page.index(NAME)) :]
    row = row[: row.index("</tr>")]
    assert "Famílias com crianças em risco" in row and "<td>3</td>" in row
    assert "Crianças e famílias em risco" in page  # the demo's group
    assert NAME not in _page(as_user("coordenacao@cimbal.demo"), "/c/cimbal/groups")


def test_navigation_leads_to_the_groups(as_user) -> None:  # type: ignore[no-untyped-def]
    council = _page(as_user("financas@mourao.demo"), "/t/mourao/")
    assert '<a href="/groups/">Grupos de trabalho</a>' in council
    consortium = _page(as_user(COORDINATOR), "/c/cimac/")
    assert '<a href="/groups/">Grupos de trabalho</a>' in consortium
    assert '<a href="/c/cimac/groups">Grupos do consórcio</a>' in consortium


# --- isolation ------------------------------------------------------------------------------


def _group_gets(world: World) -> list[str]:
    g = world.group
    return [
        f"/groups/{g}",
        f"/groups/{g}/edit",
        f"/groups/{g}/members",
        f"/groups/{g}/constraints",
        f"/groups/{g}/constraints.csv",
        f"/groups/{g}/constraints/new",
    ]


def _group_posts(world: World) -> list[tuple[str, dict[str, object]]]:
    g = world.group
    return [
        (f"/groups/{g}/edit", {"name": "x", "theme": "y"}),
        (f"/groups/{g}/close", {}),
        (f"/groups/{g}/members", {"add-membership": 1, "add-role": "member"}),
        (f"/groups/{g}/members/{world.portel}/remove", {}),
        (f"/groups/{g}/members/{world.portel}/role", {f"r{world.portel}-role": "coordinator"}),
        (f"/groups/{g}/constraints/new", {"title": "x", "description": "y"}),
    ]


@pytest.mark.parametrize("email", OUTSIDERS)
def test_outsiders_get_404_on_every_group_page(as_user, world: World, email: str) -> None:  # type: ignore[no-untyped-def]
    c = as_user(email)
    for path in _group_gets(world):
        assert c.get(path).status_code == 404, path
    for path, data in _group_posts(world):
        assert _post(c, path, data).status_code == 404, path
    assert NAME not in _page(c, "/groups/")


def test_plain_members_get_403_on_coordinator_actions(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(MOURAO)
    assert c.get(f"/groups/{world.group}/edit").status_code == 403
    for path, data in _group_posts(world)[:5]:
        assert _post(c, path, data).status_code == 403, path
    page = _page(c, f"/groups/{world.group}/members")
    assert "Acrescentar membro" not in page and "Retirar do grupo" not in page


def test_a_member_whose_council_membership_ends_loses_the_group(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    portel = as_user(PORTEL)
    assert portel.get(f"/groups/{world.group}").status_code == 200
    with app.app_context():
        membership = db.session.get(Membership, _membership(app, PORTEL, "portel"))
        assert membership is not None and membership.role == Role.CASE_MANAGER
        membership.active = False
        db.session.commit()
    # Signed in with no membership left, she reaches none of the group's pages.
    for path in _group_gets(world):
        assert portel.get(path).status_code == 404, path
    members = _page(as_user(COORDINATOR), f"/groups/{world.group}/members")
    row = members[members.index("Helena Gestora de Caso") :]
    assert "sem acesso" in row[: row.index("</tr>")]
    mourao_row = members[members.index("Ana Gestora de Caso") :]
    assert "sem acesso" not in mourao_row[: mourao_row.index("</tr>")]


def test_a_role_outside_the_list_is_refused(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    membership = _membership(app, "tecnica@mourao.demo", "mourao")
    response = _post(
        c, f"/groups/{world.group}/members", {"add-membership": membership, "add-role": "chefe"}
    )
    assert response.status_code == 422 and "Escolha um papel da lista." in response.text
    assert _seat(app, world.group, "tecnica@mourao.demo") is None
    refused = _post(
        c, f"/groups/{world.group}/members/{world.portel}/role", {f"r{world.portel}-role": "chefe"}
    )
    assert refused.status_code == 422 and "Escolha um papel da lista." in refused.text


def test_changes_need_the_pages_csrf_token(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(COORDINATOR)
    assert c.post(f"/groups/{world.group}/members/{world.portel}/remove").status_code == 400
    assert c.post(f"/groups/{world.group}/close").status_code == 400
    seat = _seat(app, world.group, PORTEL)
    assert seat is not None and seat.active
    assert as_user(PORTEL).get(f"/groups/{world.group}").status_code == 200
