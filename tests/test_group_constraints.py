"""The constraints register through its pages: any member proposes a constraint for councils
of the group and may reword it while it is only identified; the coordinators reword any, move
its status and record whom it was raised with and the response; the register filters by
status and exports as CSV. Nobody outside the group reaches any of it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.groups.models import ConstraintStatus, GroupConstraint
from teia.tenants.models import Tenant
from tests import groups_factories as gf
from tests.conftest import csrf_token

COORDINATOR = "coordenacao@cimac.demo"
MOURAO = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
TITLE = "Linha 144 sem procedimento claro ao fim de semana"


@dataclass(frozen=True)
class World:
    group: int
    councils: dict[str, int]


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        built = gf.group()
        councils = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
        db.session.commit()
        return World(built.id, councils)


def _today() -> date:
    return today("Europe/Lisbon")


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _propose(c: FlaskClient, world: World, **changes: object):  # type: ignore[no-untyped-def]
    path = f"/groups/{world.group}/constraints/new"
    data: dict[str, object] = {
        "title": TITLE,
        "description": "Ao fim de semana a linha não sabe para onde encaminhar uma família.",
        "affected": [world.councils["mourao"], world.councils["portel"]],
        **changes,
    }
    return c.post(path, data={"csrf_token": csrf_token(_page(c, path)), **data})


def _propose_ok(c: FlaskClient, world: World) -> int:
    response = _propose(c, world)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _constraint(app: Flask, constraint_id: int) -> GroupConstraint:
    with app.app_context():
        found = db.session.get(GroupConstraint, constraint_id)
        assert found is not None
        return found


def _user(app: Flask, email: str) -> int:
    with app.app_context():
        return gf.user_id(email)


def _progress(c: FlaskClient, world: World, constraint_id: int, **data: object):  # type: ignore[no-untyped-def]
    page = _page(c, f"/groups/{world.group}/constraints/{constraint_id}")
    return c.post(
        f"/groups/{world.group}/constraints/{constraint_id}/progress",
        data={"progress-csrf_token": csrf_token(page), "csrf_token": csrf_token(page)}
        | {f"progress-{k}": v for k, v in data.items()},
    )


def _edit(c: FlaskClient, world: World, constraint_id: int, **data: object):  # type: ignore[no-untyped-def]
    token = csrf_token(_page(c, f"/groups/{world.group}"))
    return c.post(
        f"/groups/{world.group}/constraints/{constraint_id}",
        data={"csrf_token": token, "edit-csrf_token": token}
        | {f"edit-{k}": v for k, v in data.items()},
    )


def test_a_member_proposes_a_constraint(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(MOURAO)
    constraint_id = _propose_ok(c, world)
    found = _constraint(app, constraint_id)
    assert found.status == ConstraintStatus.IDENTIFIED and found.group_id == world.group
    assert found.affected_tenant_ids == sorted([world.councils["mourao"], world.councils["portel"]])
    assert found.created_by_id == _user(app, MOURAO)
    page = _page(c, f"/groups/{world.group}/constraints/{constraint_id}")
    assert TITLE in page and "Mourão, Portel" in page and "Identificado" in page
    assert "Ana Gestora de Caso" in page
    assert "Estado e resposta" not in page  # a member does not move the status
    register = _page(as_user(PORTEL), f"/groups/{world.group}/constraints")
    assert TITLE in register
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "group.constraint_created",
                AuditEvent.object_id == str(constraint_id),
            )
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "Preencha este campo."),
        ({"affected": []}, "Escolha pelo menos um município afetado."),
        ({"affected": ["cimbal-council"]}, "Escolha pelo menos um município afetado."),
        ({"affected": [0]}, "Escolha municípios do grupo."),
    ],
)
def test_a_constraint_needs_a_title_and_councils_of_the_group(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World, changes: dict[str, object], message: str
) -> None:
    if changes.get("affected") == [0]:
        with app.app_context():
            outside = Tenant(
                slug="serpa-test",
                name="Serpa",
                official_name="Município de Serpa",
                country="PT",
                locale="pt_PT",
                official_code="0213",
                district="Beja",
                region="Alentejo",
                timezone="Europe/Lisbon",
                municipal_holiday="05-01",
                municipal_holiday_name="Feriado",
                parishes=[],
                source_hash="x" * 64,
            )
            db.session.add(outside)
            db.session.commit()
            changes = {"affected": [world.councils["mourao"], outside.id]}
    response = _propose(as_user(MOURAO), world, **changes)
    assert response.status_code == 422 and message in response.text
    with app.app_context():
        assert (
            db.session.scalar(select(GroupConstraint).where(GroupConstraint.title == TITLE)) is None
        )


def test_the_proposer_rewords_it_until_it_is_raised(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    mourao, portel = as_user(MOURAO), as_user(PORTEL)
    constraint_id = _propose_ok(mourao, world)
    ok = _edit(
        mourao,
        world,
        constraint_id,
        title="Linha 144: procedimento ao fim de semana",
        description="Texto revisto.",
        affected=[world.councils["portel"]],
    )
    assert ok.status_code == 302
    found = _constraint(app, constraint_id)
    assert found.title == "Linha 144: procedimento ao fim de semana"
    assert found.affected_tenant_ids == [world.councils["portel"]]
    # Another member reads it but does not reword it.
    assert "Alterar o texto" not in _page(
        portel, f"/groups/{world.group}/constraints/{constraint_id}"
    )
    refused = _edit(portel, world, constraint_id, title="x", description="y", affected=[1])
    assert refused.status_code == 403
    raised = _progress(
        as_user(COORDINATOR),
        world,
        constraint_id,
        status="raised",
        raised_with="ISS, I.P.",
        raised_on=_today().isoformat(),
    )
    assert raised.status_code == 302
    assert "Alterar o texto" not in _page(
        mourao, f"/groups/{world.group}/constraints/{constraint_id}"
    )
    again = _edit(
        mourao,
        world,
        constraint_id,
        title="x",
        description="y",
        affected=[world.councils["mourao"]],
    )
    assert again.status_code == 403
    coordinator = _edit(
        as_user(COORDINATOR),
        world,
        constraint_id,
        title="Linha 144 ao fim de semana",
        description="Revisto pela coordenação.",
        affected=[world.councils["mourao"], world.councils["portel"]],
    )
    assert coordinator.status_code == 302
    assert _constraint(app, constraint_id).status == ConstraintStatus.RAISED


def test_the_coordination_records_whom_it_was_raised_with_and_the_answer(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    constraint_id = _propose_ok(as_user(MOURAO), world)
    c = as_user(COORDINATOR)
    day = _today() - timedelta(days=10)
    missing = _progress(c, world, constraint_id, status="raised", raised_with="")
    assert missing.status_code == 422 and "Indique a entidade a que foi levado." in missing.text
    missing = _progress(c, world, constraint_id, status="raised", raised_with="ISS, I.P.")
    assert missing.status_code == 422 and "Indique quando foi levado." in missing.text
    future = _progress(
        c,
        world,
        constraint_id,
        status="raised",
        raised_with="ISS, I.P.",
        raised_on=(_today() + timedelta(days=3)).isoformat(),
    )
    assert future.status_code == 422 and "A data não pode ser futura." in future.text
    assert _constraint(app, constraint_id).status == ConstraintStatus.IDENTIFIED
    raised = _progress(
        c, world, constraint_id, status="raised", raised_with="ISS, I.P.", raised_on=day.isoformat()
    )
    assert raised.status_code == 302
    no_answer = _progress(
        c, world, constraint_id, status="answered", raised_with="ISS, I.P.", raised_on=day
    )
    assert no_answer.status_code == 422 and "Registe a resposta obtida." in no_answer.text
    too_early = _progress(
        c,
        world,
        constraint_id,
        status="answered",
        raised_with="ISS, I.P.",
        raised_on=day.isoformat(),
        response="Ponto de contacto ao fim de semana.",
        response_on=(day - timedelta(days=1)).isoformat(),
    )
    assert too_early.status_code == 422 and "não pode ser anterior" in too_early.text
    answered = _progress(
        c,
        world,
        constraint_id,
        status="answered",
        raised_with="ISS, I.P.",
        raised_on=day.isoformat(),
        response="Ponto de contacto ao fim de semana.",
        response_on=_today().isoformat(),
    )
    assert answered.status_code == 302
    found = _constraint(app, constraint_id)
    assert found.status == ConstraintStatus.ANSWERED and found.raised_with == "ISS, I.P."
    assert found.raised_on == day and found.response_on == _today()
    assert found.updated_by_id == _user(app, COORDINATOR)
    bad = _progress(c, world, constraint_id, status="lost")
    assert bad.status_code == 422 and "Escolha um estado da lista." in bad.text
    page = _page(as_user(PORTEL), f"/groups/{world.group}/constraints/{constraint_id}")
    assert "Com resposta" in page and "Ponto de contacto ao fim de semana." in page
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == "group.constraint_progress",
                AuditEvent.object_id == str(constraint_id),
            )
        ).all()
        assert [(e["from"], e["to"]) for e in events] == [
            ("identified", "raised"),
            ("raised", "answered"),
        ]


def test_members_do_not_move_the_status(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    mourao = as_user(MOURAO)
    constraint_id = _propose_ok(mourao, world)
    token = csrf_token(_page(mourao, f"/groups/{world.group}"))
    response = mourao.post(
        f"/groups/{world.group}/constraints/{constraint_id}/progress",
        data={"csrf_token": token, "progress-csrf_token": token, "progress-status": "dropped"},
    )
    assert response.status_code == 403
    assert _constraint(app, constraint_id).status == ConstraintStatus.IDENTIFIED


def test_the_register_filters_by_status_and_exports_csv(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    mourao = as_user(MOURAO)
    first = _propose_ok(mourao, world)
    _propose(mourao, world, title='=HYPERLINK("http://x")', affected=[world.councils["portel"]])
    _progress(
        as_user(COORDINATOR),
        world,
        first,
        status="raised",
        raised_with="ISS, I.P.",
        raised_on=_today().isoformat(),
    )
    raised = _page(mourao, f"/groups/{world.group}/constraints?status=raised")
    assert TITLE in raised and "HYPERLINK" not in raised
    identified = _page(mourao, f"/groups/{world.group}/constraints?status=identified")
    assert TITLE not in identified and "HYPERLINK" in identified
    everything = _page(mourao, f"/groups/{world.group}/constraints?status=nonsense")
    assert TITLE in everything and "HYPERLINK" in everything
    assert "Nenhum constrangimento registado com este estado." in _page(
        mourao, f"/groups/{world.group}/constraints?status=resolved"
    )
    response = mourao.get(f"/groups/{world.group}/constraints.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Título", "Descrição", "Municípios afetados", "Estado"]
    by_title = {r[0]: r for r in rows[1:]}
    assert by_title[TITLE][2:5] == ["Mourão, Portel", "Levado à entidade responsável", "ISS, I.P."]
    assert '\'=HYPERLINK("http://x")' in by_title  # a spreadsheet does not run it
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "group.constraints_exported",
                AuditEvent.object_id == str(world.group),
            )
        )


def test_a_constraint_of_another_group_is_not_found_through_this_one(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    with app.app_context():
        other = gf.group(name="Outro grupo", members=(MOURAO,))
        db.session.commit()
        other_id = other.id
    mourao = as_user(MOURAO)
    elsewhere = _propose_ok(mourao, World(other_id, world.councils))
    assert mourao.get(f"/groups/{world.group}/constraints/{elsewhere}").status_code == 404
    assert _edit(mourao, world, elsewhere, title="x").status_code == 404
    coordinator = as_user(COORDINATOR)
    token = csrf_token(_page(coordinator, "/groups/"))
    response = coordinator.post(
        f"/groups/{world.group}/constraints/{elsewhere}/progress",
        data={"csrf_token": token, "progress-csrf_token": token, "progress-status": "dropped"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "email",
    [
        "coordenacao@mourao.demo",
        "gestor@reguengos-de-monsaraz.demo",
        "coordenacao@portel.demo",
        "coordenacao@cimbal.demo",
        "admin@teia.demo",
    ],
)
def test_outsiders_get_404_on_the_register(app: Flask, as_user, world: World, email: str) -> None:  # type: ignore[no-untyped-def]
    constraint_id = _propose_ok(as_user(MOURAO), world)
    c = as_user(email)
    g = world.group
    for path in (
        f"/groups/{g}/constraints",
        f"/groups/{g}/constraints.csv",
        f"/groups/{g}/constraints/new",
        f"/groups/{g}/constraints/{constraint_id}",
    ):
        assert c.get(path).status_code == 404, path
    token = csrf_token(_page(c, "/notifications"))
    for path in (
        f"/groups/{g}/constraints/new",
        f"/groups/{g}/constraints/{constraint_id}",
        f"/groups/{g}/constraints/{constraint_id}/progress",
    ):
        response = c.post(
            path,
            data={
                "csrf_token": token,
                "edit-csrf_token": token,
                "progress-csrf_token": token,
                "title": "x",
                "progress-status": "dropped",
            },
        )
        assert response.status_code == 404, path
    assert _constraint(app, constraint_id).status == ConstraintStatus.IDENTIFIED
