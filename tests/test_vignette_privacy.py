"""The privacy promise of case vignettes, end to end: a case whose every field carries
distinctive identifiers (names of everyone in the household and of the person who consented,
NIF, NISS, SNS, phones, e-mails, document numbers, birth dates, address, postal code, parish,
case number, and the same identifiers typed into the opening reason, diagnosis, plan goals
and actions, progress notes, timeline entries, referrals, and the author's own title and
question) is published to a group and commented on; then every group page, every API answer,
the notifications pages, the e-mails sent and the rows stored for the group are searched for
each identifier, accent- and case-blind, in the forms people type them. None may appear, nor
the case's id in any URL."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from teia.cases.models import (
    ActionStatus,
    Area,
    Case,
    CaseEvent,
    Consent,
    DiagnosisArea,
    EventKind,
    InterventionPlan,
    PlanAction,
    PlanGoal,
    Referral,
    ReferralStatus,
    RiskFlag,
)
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.groups.models import AgendaItem, AgendaKind, Meeting, Vignette, VignetteComment
from teia.groups.scrub import fold
from teia.groups.vignettes import age_band
from teia.notifications.models import Notification
from teia.people.models import (
    DocumentKind,
    Household,
    HouseholdMember,
    Person,
    PersonChange,
    PersonDocument,
    Relationship,
)
from teia.tenants.models import Organization
from tests import groups_factories as gf
from tests.conftest import body, outbox
from tests.test_vignettes import COORDINATOR, MANAGER, PORTEL, comment_on, publish, tenant_id

NAMES = (
    "Zulmira",
    "Quitéria",
    "Vasconcelos",
    "Brandão",
    "Rúben",
    "Anselmo",
    "Tavira",
    "Egídio",
    "Bettencourt",
    "Lacerda",
    "Hermenegildo",
    "Saraiva",
    "Leocádia",  # a given name the person had before a rectification
)
# Numbers and codes, matched with any separator people type between their characters.
NUMBERS = (
    "287654321",  # NIF
    "12098765432",  # NISS
    "876543219",  # SNS
    "963852741",  # phone
    "254789631",  # the child's NIF
    "765432198",  # the child's SNS
    "11122233344",  # the partner's NISS
    "266777888",  # the partner's phone
    "304567891ZX7",  # citizen card
    "PQ998877",  # passport
    "20260917",  # case number 2026/0917
    "7240987",  # postal code
)
WORDS = ("zulmira.brandao@correio.pt", "egidio.lacerda@mail.pt", "Quebra", "Costas", "Granja")
BIRTH_DATES = (date(1983, 7, 19), date(2014, 2, 27), date(1980, 11, 3))
TITLE = "Caso Zulmira Brandão, processo 2026/0917"
QUESTION = (
    "Como apoiar o Rúben Tavira (NIF 254789631), nascido a 27 de fevereiro de 2014, na Granja? "
    "Contacto da mãe: zulmira.brandao@correio.pt, 963 852 741."
)
COMMENT = (
    "Sugiro ligar para o 266 777 888 ou escrever para egidio.lacerda@mail.pt antes de "
    "19/07/2026; no nosso processo 2026/0917 resultou."
)


def seed_case() -> int:
    """The case, written as rows in Mourão (its id)."""
    manager = gf.user_id(MANAGER)
    social_security = db.session.scalar(
        select(Organization.id).where(Organization.slug == "ss-evora-mourao")
    )
    day = today()
    with tenant_scope(tenant_id()):
        household = Household(
            address="Travessa do Quebra-Costas 17, 2.º Esq.",
            postal_code="7240-987",
            parish="Granja",
        )
        people = [
            (
                Person(
                    given_names="Zulmira Quitéria",
                    family_names="Vasconcelos Brandão",
                    search_name="zulmira quiteria vasconcelos brandao",
                    birth_date=BIRTH_DATES[0],
                    sex="F",
                    nif="287654321",
                    niss="12098765432",
                    sns="876543219",
                    phone="+351 963 852 741",
                    email="zulmira.brandao@correio.pt",
                ),
                Relationship.REPRESENTATIVE,
            ),
            (
                Person(
                    given_names="Rúben Anselmo",
                    family_names="Vasconcelos Tavira",
                    search_name="ruben anselmo vasconcelos tavira",
                    birth_date=BIRTH_DATES[1],
                    nif="254789631",
                    sns="765432198",
                ),
                Relationship.CHILD,
            ),
            (
                Person(
                    given_names="Egídio",
                    family_names="Bettencourt Lacerda",
                    search_name="egidio bettencourt lacerda",
                    birth_date=BIRTH_DATES[2],
                    niss="11122233344",
                    phone="266777888",
                    email="egidio.lacerda@mail.pt",
                ),
                Relationship.SPOUSE,
            ),
        ]
        for person, relationship in people:
            household.members.append(
                HouseholdMember(person=person, relationship_to_representative=relationship)
            )
        db.session.add(household)
        db.session.flush()
        rep = people[0][0]
        db.session.add_all(
            [
                PersonDocument(
                    person_id=rep.id, kind=DocumentKind.CITIZEN_CARD, number="30456789 1 ZX7"
                ),
                PersonDocument(person_id=rep.id, kind=DocumentKind.PASSPORT, number="PQ998877"),
                PersonChange(
                    person_id=rep.id,
                    field="given_names",
                    old_value="Leocádia Zulmira",
                    new_value="Zulmira Quitéria",
                    reason="Erro de registo",
                ),
                Consent(
                    person_id=rep.id,
                    given_by="Hermenegildo Saraiva",
                    given_on=day - timedelta(days=20),
                    scope="Partilha com a Segurança Social",
                ),
            ]
        )
        case = Case(
            number="2026/0917",
            household_id=household.id,
            person_id=rep.id,
            manager_id=manager,
            opening_reason=(
                "Zulmira Vasconcelos (NIF 287654321, NISS 12098765432) e Egídio vivem na "
                "Travessa do Quebra-Costas 17, 7240-987 Granja; a Zulmira nasceu a 19/07/1983 "
                "e o Rúben a 27 de fevereiro de 2014. Contacto: +351 963 852 741. "
                "Conhecida por Leocádia."
            ),
            areas=[Area.EDUCATION, Area.INCOME],
            risk_flags=[RiskFlag.CHILD_AT_RISK],
            opened_on=day - timedelta(days=95),
            status_reason="Reaberto a pedido de Zulmira Brandão (tel. 963 852 741)",
        )
        db.session.add(case)
        db.session.flush()
        plan = InterventionPlan(case_id=case.id, version=1, created_by_id=manager)
        db.session.add(plan)
        db.session.flush()
        goal = PlanGoal(
            plan_id=plan.id,
            position=1,
            description="Garantir que o Rúben Tavira vai à escola (CC 30456789 1 ZX7)",
        )
        db.session.add(goal)
        db.session.flush()
        actions = [
            (
                "Reunião com Egídio Bettencourt Lacerda a 03/11/2026 na Granja",
                ActionStatus.DONE,
                "Falou com Hermenegildo Saraiva (266777888) sobre o 1980-11-03",
                None,
            ),
            (
                "Pedido de apoio com o passaporte PQ998877 de Zulmira",
                ActionStatus.PLANNED,
                None,
                day - timedelta(days=1),
            ),
            ("Visita combinada por egidio.lacerda@mail.pt", ActionStatus.CANCELLED, None, None),
        ]
        for position, (text, status, note, due) in enumerate(actions, start=1):
            db.session.add(
                PlanAction(
                    goal_id=goal.id,
                    plan_id=plan.id,
                    case_id=case.id,
                    position=position,
                    description=text,
                    status=status,
                    progress_note=note,
                    due_on=due,
                )
            )
        db.session.add_all(
            [
                DiagnosisArea(
                    case_id=case.id,
                    area=Area.EDUCATION,
                    needs="Rúben Anselmo falta à escola; SNS 765432198",
                    potentials="Egídio Bettencourt",
                    support_network="Hermenegildo Saraiva, tel. 963 852 741",
                ),
                CaseEvent(
                    case_id=case.id,
                    kind=EventKind.HOME_VISIT,
                    occurred_at=utcnow() - timedelta(days=3),
                    text="Visita à Travessa do Quebra-Costas, 7240-987 Granja: Zulmira ausente.",
                    author_id=manager,
                ),
                Referral(
                    case_id=case.id,
                    organization_id=social_security,
                    area=Area.INCOME,
                    request="Avaliar RSI de Zulmira Vasconcelos Brandão, NISS 12098765432, "
                    "nascida em 1983-07-19",
                    respond_by=day - timedelta(days=5),
                    status=ReferralStatus.REFUSED,
                    response_reason="Egídio Lacerda já recebe; SNS 876543219; Quebra-Costas",
                ),
                Referral(
                    case_id=case.id,
                    organization_id=social_security,
                    area=Area.EDUCATION,
                    request="Vaga em creche para Rúben (nasc. 27/02/2014), NIF 254789631",
                    respond_by=day - timedelta(days=2),
                ),
            ]
        )
        db.session.flush()
        return case.id


def forbidden(case_id: int) -> list[re.Pattern[str]]:
    """Every identifier of the case as a regex over folded text."""
    patterns = [rf"(?<![\w\[]){re.escape(fold(n))}(?!\w)" for n in NAMES]
    patterns += [re.escape(fold(w)) for w in WORDS]
    for number in NUMBERS:
        spaced = r"[\s.\-/]?".join(re.escape(c) for c in fold(number))
        patterns.append(rf"(?<![\da-z]){spaced}(?![\da-z])")
    for born in BIRTH_DATES:
        d, m, y = born.day, born.month, born.year
        patterns += [
            rf"(?<!\d)0?{d}[/.\-]0?{m}[/.\-](?:{y}|{y % 100})(?!\d)",
            rf"(?<!\d){y}[/.\-]0?{m}[/.\-]0?{d}(?!\d)",
            rf"(?<!\d){d} de \w+ de {y}",
            rf"(?<![\d:]){y}(?![\d:])",
        ]
    patterns += [rf"/cases/{case_id}(?!\d)", r"case_id", rf"\bcase\W+{case_id}\b"]
    return [re.compile(p) for p in patterns]


def leaks(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    """What of the case appears in ``text`` (CSRF tokens aside: random, not content)."""
    text = re.sub(r'name="[\w-]*csrf_token"( type="hidden")? value="[^"]*"', "", text)
    text = re.sub(r'value="[A-Za-z0-9._-]{40,}"', "", text)
    folded = fold(text)
    return [p.pattern for p in patterns if p.search(folded)]


def group_pages(app: Flask, group_id: int, vignette_id: int, meeting_id: int) -> list[str]:
    """Every GET page and API answer of the group that needs only these ids."""
    values = {
        "group_id": group_id,
        "vignette_id": vignette_id,
        "meeting_id": meeting_id,
        "consortium": "cimac",
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith(
            ("/groups", "/api/v1/groups", "/c/<consortium>/groups")
        ):
            continue
        if set(rule.arguments) <= set(values):
            paths.append(rule.build({k: values[k] for k in rule.arguments})[1])  # type: ignore[index]
    return sorted(paths)


def test_no_identifier_of_the_case_reaches_the_group(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        group = gf.group()
        group_id = group.id
        case_id = seed_case()
        db.session.commit()
        patterns = forbidden(case_id)
    author = as_user(MANAGER)
    case_page = author.get(f"/t/mourao/cases/{case_id}").text
    assert leaks(case_page, patterns), "the seeded identifiers are on the case's own page"
    vignette_id = publish(author, case_id, group_id, title=TITLE, question=QUESTION)
    portel = as_user(PORTEL)
    assert comment_on(portel, group_id, vignette_id, COMMENT, "proposal").status_code == 302

    with app.app_context():  # a meeting with the vignette on its agenda
        meeting = Meeting(
            group_id=group_id,
            title="Reunião mensal",
            starts_at=utcnow() + timedelta(days=2),
            location="Videoconferência",
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add(
            AgendaItem(
                meeting_id=meeting.id,
                position=1,
                kind=AgendaKind.VIGNETTE,
                title="",
                vignette_id=vignette_id,
            )
        )
        db.session.commit()
        meeting_id = meeting.id
    paths = group_pages(app, group_id, vignette_id, meeting_id)
    assert f"/groups/{group_id}/vignettes/{vignette_id}" in paths
    assert f"/api/v1/groups/{group_id}/vignettes/{vignette_id}" in paths
    assert f"/groups/{group_id}/vignettes/{vignette_id}/readers" in paths
    assert f"/groups/{group_id}" in paths and "/api/v1/groups" in paths
    assert f"/groups/{group_id}/meetings/{meeting_id}" in paths
    checked = 0
    for email in (MANAGER, PORTEL, COORDINATOR):
        c = as_user(email)
        for path in [*paths, "/notifications"]:
            response = c.get(path)
            assert response.status_code < 500, (email, path)
            assert leaks(response.get_data(as_text=True), patterns) == [], (email, path)
            checked += response.status_code == 200
    assert checked > 3 * 8

    with app.app_context():
        messages = outbox(app)
        assert {m["Subject"] for m in messages} >= {
            "Nova vinheta no grupo Grupo de intervenção familiar",
            "Nova resposta à sua vinheta no grupo Grupo de intervenção familiar",
        }
        for message in messages:
            assert leaks(f"{message['Subject']}\n{body(message)}", patterns) == []
        for note in db.session.scalars(select(Notification)):
            assert leaks(f"{note.subject}\n{note.body}\n{note.link}", patterns) == []
        vignette = db.session.get(Vignette, vignette_id)
        assert vignette is not None
        stored = json.dumps(
            [vignette.title, vignette.question, vignette.content], ensure_ascii=False
        )
        assert leaks(stored, patterns) == []
        assert "[nome]" in vignette.title and "[identificador]" in vignette.title
        for comment in db.session.scalars(select(VignetteComment)):
            assert leaks(comment.body, patterns) == []
        # what the group reads is still a case worth discussing
        content = vignette.content
        assert content["person"]["age_band"] == age_band(BIRTH_DATES[0], today())
        assert {m["relationship"] for m in content["household"]} == {"child", "spouse"}
        actions = content["goals"][0]["actions"]
        assert [a["status"] for a in actions] == ["done", "planned", "cancelled"]
        assert [b["kind"] for b in content["blockers"]] == [
            "overdue_action",
            "referral_refused",
            "referral_unanswered",
        ]
