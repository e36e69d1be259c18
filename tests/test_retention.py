"""Retention: expired closed cases are anonymised once, with a record of what went; and the
daily overdue-actions beat."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from sqlalchemy import func, select

from teia.audit.models import AuditEvent
from teia.cases import retention, tasks
from teia.cases.models import (
    Anonymisation,
    Area,
    Case,
    CaseEvent,
    CaseShare,
    CaseStatus,
    DiagnosisArea,
    EventKind,
    InterventionPlan,
    LegalBasis,
    PlanAction,
    PlanGoal,
    Referral,
)
from teia.cases.plans import ActionInput, GoalInput, save_plan
from teia.cases.referrals import create_referral
from teia.cases.retention import anonymise_expired_cases
from teia.cases.services import add_event, save_diagnosis
from teia.cases.sharing import create_share, record_consent, revoke_share
from teia.core import clock
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.people.models import (
    Household,
    Person,
    PersonChange,
    PersonDocument,
    PersonMerge,
    Relationship,
)
from teia.people.services import (
    PersonData,
    add_member,
    merge_persons,
    new_household,
    rectify_person,
)
from tests.case_factories import Mourao, at, case_for, close, person


def _get(model, id_):  # type: ignore[no-untyped-def]
    row = db.session.scalar(select(model).where(model.id == id_))
    assert row is not None
    return row


def _expired_family(world: Mourao, day: date) -> dict[str, int]:
    """Maria and her son, one case with every kind of text, closed six years ago."""
    session = db.session
    maria_id = person(
        world,
        "Maria",
        "Guerreiro",
        nif="123456789",
        niss="12345678902",
        sns="123456789",
        phone="912345678",
        email="maria@exemplo.pt",
        birth_date=date(1960, 10, 15),
    )
    maria = _get(Person, maria_id)
    session.add(PersonDocument(person_id=maria_id, kind="citizen_card", number="12345678"))
    rectify_person(
        session,
        maria,
        PersonData(
            given_names="Maria",
            family_names="Guerreiro",
            nif=maria.nif,
            niss=maria.niss,
            sns=maria.sns,
            phone="962345678",
            email=maria.email,
            birth_date=maria.birth_date,
        ),
        reason="Novo telefone",
        actor_id=world.manager,
    )
    duplicate_id = person(world, "Maria", "Guerreiro Silva", nif="234567805", phone="939999999")
    merge_persons(
        session, maria, _get(Person, duplicate_id), reason="Duplicado", actor_id=world.manager
    )
    household = new_household(session, maria, address="Rua Direita 5", parish="Luz")
    son_id = person(world, "Pedro", "Guerreiro", birth_date=date(1990, 1, 2))
    add_member(session, household, _get(Person, son_id), Relationship.CHILD)
    case = case_for(world, maria_id, "Dívidas de renda.", household)
    for confidential in (False, True):
        add_event(
            session,
            case,
            kind=EventKind.HOME_VISIT,
            occurred_at=at(day),
            text="Casa sem condições.",
            confidential=confidential,
            reader_ids=[],
            author_id=world.manager,
        )
    save_diagnosis(
        session,
        case,
        area=Area.HOUSING,
        needs="Obras urgentes.",
        potentials="",
        support_network="Vizinha.",
        actor_id=world.manager,
    )
    save_plan(
        session,
        case,
        goals=[
            GoalInput(
                "Reabilitar a casa",
                [ActionInput("Pedir apoio à junta", progress_note="Pedido entregue.")],
            )
        ],
        agreed_on=day,
        review_on=None,
        actor_id=world.manager,
        allowed_organization_ids=set(),
        allowed_user_ids=set(),
    )
    create_referral(
        session,
        case,
        organization_id=world.health,
        area=Area.HEALTH,
        request="Avaliação do Pedro.",
        respond_by=day + timedelta(days=5),
        actor_id=world.manager,
    )
    record_consent(
        session,
        person_id=maria_id,
        given_by="Maria Guerreiro",
        given_on=day,
        scope="Partilha com o centro de saúde",
        valid_until=None,
        actor_id=world.manager,
    )
    close(case, day - relativedelta(years=6))
    return {
        "maria": maria_id,
        "duplicate": duplicate_id,
        "son": son_id,
        "case": case.id,
        "household": household.id,
    }


def _closed_case(world: Mourao, name: str, closed_on: date) -> tuple[int, Case]:
    person_id = person(world, name, "Silva")
    case = case_for(world, person_id, f"Apoio a {name}.")
    close(case, closed_on)
    return person_id, case


def test_expired_cases_are_anonymised_once_and_the_rest_untouched(app: Flask) -> None:
    day = clock.today()
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            old = _expired_family(world, day)
            rosa, recent = _closed_case(world, "Rosa", day - relativedelta(years=2))
            manuel, other = _closed_case(world, "Manuel", day - relativedelta(years=6))
            case_for(world, manuel, "Novo pedido de apoio.")  # still open: Manuel is kept
            assert anonymise_expired_cases(db.session, day) == 2
            db.session.expire_all()

            case = _get(Case, old["case"])
            assert case.anonymised_at is not None and case.status == CaseStatus.CLOSED
            assert (case.opening_reason, case.status_reason) == ("", None)
            assert case.areas == ["housing", "income"] and case.closed_on is not None
            events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
            assert [(e.kind, e.text) for e in events] == [("home_visit", "")] * 2
            diagnosis = db.session.scalar(
                select(DiagnosisArea).where(DiagnosisArea.case_id == case.id)
            )
            assert diagnosis is not None and diagnosis.needs == diagnosis.support_network == ""
            action = db.session.scalar(select(PlanAction).where(PlanAction.case_id == case.id))
            assert action is not None and (action.description, action.progress_note) == ("", None)
            goals = db.session.scalars(
                select(PlanGoal.description)
                .join(InterventionPlan, InterventionPlan.id == PlanGoal.plan_id)
                .where(InterventionPlan.case_id == case.id)
            )
            assert goals.all() == [""]
            referral = db.session.scalar(select(Referral).where(Referral.case_id == case.id))
            assert referral is not None and referral.request == ""

            record = db.session.scalar(
                select(Anonymisation).where(Anonymisation.case_id == case.id)
            )
            assert record is not None and record.closed_on == case.closed_on
            assert record.removed == {
                "case_texts": 2,
                "timeline_entries": 2,
                "diagnosis_areas": 1,
                "plan_goals": 1,
                "plan_actions": 1,
                "referrals": 1,
                "emergency_reasons": 0,
                "persons": 2,
                "documents": 1,
                "rectifications": 1,
                "consents": 1,
                "merge_snapshots": 1,
                "household_addresses": 1,
            }
            event = db.session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action == "case.anonymised", AuditEvent.object_id == str(case.id)
                )
            )
            assert event is not None and event.details == record.removed

            maria = _get(Person, old["maria"])
            assert (maria.given_names, maria.family_names, maria.search_name) == (
                "Anonimizado",
                "",
                "anonimizado",
            )
            assert maria.birth_date == date(1960, 7, 1) and maria.anonymised_at is not None
            assert [maria.nif, maria.niss, maria.sns, maria.phone, maria.email] == [None] * 5
            assert not db.session.scalars(
                select(PersonDocument).where(PersonDocument.person_id == maria.id)
            ).all()
            change = db.session.scalar(
                select(PersonChange).where(PersonChange.person_id == maria.id)
            )
            assert change is not None and (change.old_value, change.new_value) == (None, None)
            assert _get(Person, old["son"]).given_names == "Anonimizado"
            duplicate = _get(Person, old["duplicate"])  # merged into Maria: goes with her
            assert (duplicate.given_names, duplicate.phone) == ("Anonimizado", None)
            merge = db.session.scalar(select(PersonMerge).where(PersonMerge.kept_id == maria.id))
            assert merge is not None and merge.snapshot == {}
            household = _get(Household, old["household"])
            assert (household.address, household.parish) == (None, "Luz")

            # Closed two years ago: within Mourão's five years, untouched.
            assert _get(Case, recent.id).opening_reason == "Apoio a Rosa."
            assert _get(Case, recent.id).anonymised_at is None
            assert _get(Person, rosa).given_names == "Rosa"
            # Manuel's old case goes, but his open case keeps who he is.
            assert _get(Case, other.id).anonymised_at is not None
            assert _get(Person, manuel).given_names == "Manuel"
            assert _get(Person, manuel).anonymised_at is None

            # A second run finds nothing left to do.
            assert anonymise_expired_cases(db.session, day) == 0
            count = db.session.scalar(select(func.count()).select_from(Anonymisation))
            assert count == 2


def test_a_backlog_is_worked_through_in_batches(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)
    day = clock.today()
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            for name in ("Ana", "Rui", "Eva", "Zé", "Lia"):
                _closed_case(world, name, day - relativedelta(years=5, days=1))
            _closed_case(world, "Teo", day - relativedelta(years=5))  # the last day kept
            assert anonymise_expired_cases(db.session, day) == 5
            count = db.session.scalar(select(func.count()).select_from(Anonymisation))
            assert count == 5


def test_the_retention_beat_runs_each_council_in_its_scope(app: Flask) -> None:
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            old = _expired_family(world, clock.today())
        db.session.commit()
        assert tasks.anonymise_expired_cases.apply().get() == 3  # one task per council
        assert tasks.anonymise_tenant_cases.apply(args=(world.tenant,)).get() == 0
        db.session.expire_all()
        with tenant_scope(world.tenant):
            assert _get(Case, old["case"]).anonymised_at is not None
            assert _get(Person, old["maria"]).nif is None


def _overdue_notes(case_id: int) -> list[int]:
    """Who was told of an overdue action of the case (the demo data has overdue cases too)."""
    return sorted(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "plan_action_overdue",
                Notification.link.endswith(f"/cases/{case_id}/plan"),
            )
        )
    )


def test_overdue_actions_flag_the_manager_once_and_the_partner_while_shared(app: Flask) -> None:
    day = clock.today()
    with app.app_context():
        world = Mourao.load()
        with tenant_scope(world.tenant):
            case = case_for(world, person(world, "Ana", "Lopes"), "Sem rendimentos.")
            save_plan(
                db.session,
                case,
                goals=[
                    GoalInput(
                        "Garantir a alimentação",
                        [
                            ActionInput(
                                "Integrar na cantina social",
                                responsible_organization_id=world.scm,
                                due_on=day - timedelta(days=1),
                            )
                        ],
                    )
                ],
                agreed_on=None,
                review_on=None,
                actor_id=world.manager,
                allowed_organization_ids={world.scm},
                allowed_user_ids=set(),
            )
            share = create_share(
                db.session,
                case,
                organization_id=world.scm,
                sections=["plan"],
                diagnosis_areas=[],
                purpose="Cantina social",
                legal_basis=LegalBasis.PUBLIC_INTEREST,
                legal_reference="Decreto-Lei n.º 55/2020",
                consent_id=None,
                expires_on=day + timedelta(days=30),
                actor_id=world.manager,
            )
            share_id = share.id
        db.session.commit()
        people = sorted([world.manager, world.partner])

        assert tasks.flag_overdue_actions.apply().get() == 3  # one task per council
        assert _overdue_notes(case.id) == people
        assert tasks.flag_tenant_overdue_actions.apply(args=(world.tenant,)).get() == 0
        assert _overdue_notes(case.id) == people

        # The share is revoked and the deadline moved, then missed again: the manager only.
        with tenant_scope(world.tenant):
            revoke_share(db.session, _get(CaseShare, share_id), actor_id=world.manager)
            action = db.session.scalar(select(PlanAction).where(PlanAction.case_id == case.id))
            assert action is not None
            action.due_on = day - timedelta(days=2)
            db.session.flush()  # inside the scope: RLS checks the write
        db.session.commit()
        assert tasks.flag_tenant_overdue_actions.apply(args=(world.tenant,)).get() == 1
        assert _overdue_notes(case.id) == sorted([world.manager, world.manager, world.partner])
