"""The shelter hub pages: the council's by role (requests, stays and indicators for its staff,
units for its admin, offers and residents for a unit's staff), the regulation desk's (the
queue by risk, offers awaiting an answer), the navigation entry, and 404 for outsiders."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.shelter.models import (
    Allocation,
    AllocationStatus,
    ProfileStatus,
    Risk,
)
from tests import shelter_factories as sf

HUB = "/t/mourao/shelter/"
DESK_HUB = "/c/cimac/shelter/"


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def _manager(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _mourao_stays(app: Flask) -> None:
    """Mourão: two active stays (one past its expected end), one ended; one open request."""
    with app.app_context():
        w = sf.Cimac.load()
        manager = _manager("gestora@mourao.demo")
        unit = sf.unit(w.portel, w.operator, places={"adolescents": 4}, pools=(w.consortium,))
        day = today("Europe/Lisbon")
        with tenant_scope(w.mourao):
            for admitted, ended, expected in (
                (day - timedelta(days=400), None, day - timedelta(days=35)),
                (day - timedelta(days=10), None, day + timedelta(days=355)),
                (day - timedelta(days=90), day - timedelta(days=20), None),
            ):
                sf.indicator_stay(
                    w.consortium,
                    w.mourao,
                    unit,
                    manager=manager,
                    admitted_on=admitted,
                    ended_on=ended,
                    expected_end_on=expected,
                )
        db.session.commit()


def _counts(html: str) -> tuple[int, int, int]:
    """Open requests, active stays, stays past their expected end, as the hub shows them."""
    found = [
        re.search(pattern, html)
        for pattern in (
            r"(\d+) pedidos? em fila",
            r"(\d+) acolhimentos? ativos?",
            r"(\d+) acima da duração prevista",
        )
    ]
    assert all(found), html
    return tuple(int(m[1]) for m in found)  # type: ignore[index,return-value]


def test_council_staff_see_requests_stays_and_indicators(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    requests, active, prolonged = _counts(_page(c, HUB))
    _mourao_stays(app)
    html = _page(c, HUB)
    assert _counts(html) == (requests, active + 2, prolonged + 1)
    links = _links(html)
    for path in (
        "/t/mourao/shelter/requests",
        "/t/mourao/shelter/stays",
        "/t/mourao/shelter/board",
        "/t/mourao/shelter/indicators",
    ):
        assert path in links, path
    assert "/t/mourao/shelter/units" not in links  # the units are the admin's
    assert "/t/mourao/shelter/my-units" not in links


def test_the_admin_also_manages_the_units(as_user) -> None:  # type: ignore[no-untyped-def]
    html = _page(as_user("coordenacao@mourao.demo"), HUB)
    assert "/t/mourao/shelter/units" in _links(html)
    assert "/t/mourao/shelter/requests" in _links(html)


def test_unit_staff_see_their_units_with_pending_offers(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        w = sf.Cimac.load()
        mine = sf.unit(w.mourao, w.operator, name="Casa do Sol", places={"adolescents": 3})
        sf.unit(w.portel, w.operator, name="Casa de Portel", places={"adolescents": 3})
        now = utcnow()
        for i, (status, expires) in enumerate(
            (
                (AllocationStatus.OFFERED, now + timedelta(hours=5)),
                (AllocationStatus.OFFERED, now - timedelta(hours=1)),  # lapsed: not to answer
                (AllocationStatus.ADMITTED, now - timedelta(days=3)),
            )
        ):
            p = sf.profile(w.consortium, w.reguengos, reference=f"TST 2026/{i}")
            p.status = ProfileStatus.OFFERED
            db.session.add(
                Allocation(
                    profile_id=p.id,
                    place_id=mine.places[i].id,
                    unit_id=mine.id,
                    consortium_id=w.consortium,
                    status=status,
                    expires_at=expires,
                )
            )
        db.session.commit()
        unit_id = mine.id
    html = _page(as_user("acolhimento@mourao.demo"), HUB)
    assert "Casa de Portel" not in html
    assert re.search(
        r"<strong>Casa do Sol</strong> —\s*<a [^>]+>1 oferta por responder</a>;\s*"
        r"<a [^>]+>1 pessoa acolhida</a>",
        html,
    )
    links = _links(html)
    assert f"/t/mourao/shelter/units/{unit_id}/offers" in links
    assert "/t/mourao/shelter/my-units" in links
    assert "/t/mourao/shelter/requests" not in links
    assert "/t/mourao/shelter/indicators" not in links


def test_roles_without_shelter_work_and_outsiders(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("ipss@mourao.demo").get(HUB).status_code == 403
    assert as_user("decisao@mourao.demo").get(HUB).status_code == 403
    assert as_user("coordenacao@portel.demo").get(HUB).status_code == 404
    assert as_user("gestora@mourao.demo").get(DESK_HUB).status_code == 404
    assert as_user("coordenacao@cimac.demo").get(HUB).status_code == 404


def _desk_counts(html: str) -> dict[str, tuple[int, ...]]:
    """The queue by risk (waiting, offered) and the offers awaiting an answer or admission."""
    rows = {
        risk: (int(waiting), int(offered))
        for risk, waiting, offered in re.findall(
            r'id="risk-(\w+)"><th scope="row">[^<]+</th><td>(\d+)</td><td>(\d+)</td>', html
        )
    }
    offers = re.search(r'id="offers-waiting">(\d+) ofertas? à espera', html)
    accepted = re.search(r'id="accepted-waiting">(\d+) aceites?, à espera', html)
    assert set(rows) == {"critical", "high", "moderate"} and offers and accepted, html
    return {**rows, "offers": (int(offers[1]), int(accepted[1]))}


def test_the_desk_hub_counts_the_queue_by_risk_and_open_offers(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@cimac.demo")
    before = _desk_counts(_page(c, DESK_HUB))
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.portel, w.operator, places={"adolescents": 3}, pools=(w.consortium,))
        sf.profile(w.consortium, w.mourao, risk=Risk.CRITICAL, reference="TST 1")
        sf.profile(w.consortium, w.portel, risk=Risk.CRITICAL, reference="TST 2")
        offered = sf.profile(w.consortium, w.mourao, risk=Risk.HIGH, reference="TST 3")
        offered.status = ProfileStatus.OFFERED
        accepted = sf.profile(w.consortium, w.reguengos, risk=Risk.HIGH, reference="TST 4")
        accepted.status = ProfileStatus.OFFERED
        cancelled = sf.profile(w.consortium, w.mourao, risk=Risk.MODERATE, reference="TST 5")
        cancelled.status = ProfileStatus.CANCELLED
        for i, (p, status) in enumerate(
            ((offered, AllocationStatus.OFFERED), (accepted, AllocationStatus.ACCEPTED))
        ):
            db.session.add(
                Allocation(
                    profile_id=p.id,
                    place_id=unit.places[i].id,
                    unit_id=unit.id,
                    consortium_id=w.consortium,
                    status=status,
                    expires_at=utcnow() + timedelta(hours=4),
                )
            )
        db.session.commit()
    html = _page(c, DESK_HUB)
    after = _desk_counts(html)
    added = {k: tuple(a - b for a, b in zip(after[k], before[k], strict=True)) for k in after}
    assert added == {
        "critical": (2, 0),
        "high": (0, 2),
        "moderate": (0, 0),  # the cancelled request left the queue
        "offers": (1, 1),
    }
    assert "Crítico" in html and "Elevado" in html
    links = _links(html)
    for path in (
        "/c/cimac/shelter/queue",
        "/c/cimac/shelter/units",
        "/c/cimac/shelter/log",
        "/c/cimac/shelter/indicators",
    ):
        assert path in links, path


def test_the_navigation_leads_to_the_shelter_hub(as_user) -> None:  # type: ignore[no-untyped-def]
    for email in ("gestora@mourao.demo", "acolhimento@mourao.demo", "coordenacao@mourao.demo"):
        assert HUB in _links(_page(as_user(email), "/t/mourao/")), email
    assert HUB not in _links(_page(as_user("ipss@mourao.demo"), "/t/mourao/"))
    assert DESK_HUB in _links(_page(as_user("coordenacao@cimac.demo"), "/c/cimac/"))
