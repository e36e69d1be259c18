"""Reading applications: one with everything its page shows, the council's list, and the
audit of every read (an application is a person's record)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from teia.accounts.models import User
from teia.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationItem,
    Decision,
    HomeVisit,
)
from teia.audit.services import audit
from teia.people.identifiers import normalise
from teia.people.models import Person

PAGE_SIZE = 50


HISTORY_ON_PAGE = 20  # the latest history entries on the application page; the rest a link away


def load_application(
    session: Session, application_id: int, *, history: bool = True
) -> Application | None:
    """An application with everything its page shows, in a fixed number of queries; without
    ``history`` the history is left to :func:`latest_events` (the page shows the latest
    entries only: an application's history grows past a hundred entries)."""
    options = [
        joinedload(Application.applicant),
        joinedload(Application.technician).load_only(User.name),
        joinedload(Application.regulation_version),
        joinedload(Application.decision).joinedload(Decision.decided_by).load_only(User.name),
        selectinload(Application.items),
        selectinload(Application.documents),
        selectinload(Application.document_requests),
        selectinload(Application.home_visits).joinedload(HomeVisit.by).load_only(User.name),
        selectinload(Application.payments),
    ]
    if history:
        options.append(
            selectinload(Application.events).joinedload(ApplicationEvent.actor).load_only(User.name)
        )
    return session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(*options)
        .execution_options(populate_existing=True)
    )


def latest_events(
    session: Session, application_id: int, limit: int | None = HISTORY_ON_PAGE
) -> tuple[list[ApplicationEvent], bool]:
    """The application's history, newest first, ``limit`` entries at most, and whether
    there are older ones."""
    stmt = (
        select(ApplicationEvent)
        .options(joinedload(ApplicationEvent.actor).load_only(User.name))
        .where(ApplicationEvent.application_id == application_id)
        .order_by(ApplicationEvent.id.desc())
    )
    if limit is None:
        return list(session.scalars(stmt)), False
    found = list(session.scalars(stmt.limit(limit + 1)))
    return found[:limit], len(found) > limit


def audit_read(session: Session, application: Application, purpose: str) -> None:
    """Every read of an application (a person's record), with the purpose it serves."""
    audit(
        session,
        "application.read",
        object_type="application",
        object_id=application.id,
        purpose=purpose,
        details={"applicant": application.applicant_id},
    )


COUNT_LIMIT = 10_000  # a list counts this many at most, then says "more than"


@dataclass(frozen=True)
class ApplicationFilters:
    status: str | None = None
    support_type: str | None = None
    technician_id: int | None = None
    query: str = ""
    page: int = 1


def application_list(
    session: Session, filters: ApplicationFilters
) -> tuple[list[Application], int]:
    """One page of the council's applications, newest first, and the total, counted up to
    :data:`COUNT_LIMIT` (past it the total is ``COUNT_LIMIT + 1``: "more than"); a search by
    name is audited with the ids it returned.

    Two statements, both cheap in a council of 50,000 applications: the count reads the
    applications alone (an index-only scan, stopped after ``COUNT_LIMIT + 1`` rows: counting
    all 50,000 under row-level security cost 13-25 ms a request; a window count had to buffer
    every row, and joined every row to its applicant and technician first: 370 ms), and the
    page picks its 50 ids from the list's index before only those are joined to their people."""
    page = max(filters.page, 1)
    offset = (page - 1) * PAGE_SIZE
    stmt = _list_query(filters).with_only_columns(Application.id)
    counted = stmt.limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    order = (Application.application_date.desc(), Application.id.desc())
    found: list[Application] = []
    if offset < total or total > COUNT_LIMIT:
        chosen = stmt.order_by(*order).limit(PAGE_SIZE).offset(offset).subquery()
        found = list(
            session.scalars(
                select(Application)
                .join(chosen, chosen.c.id == Application.id)
                .options(
                    load_only(
                        Application.number,
                        Application.status,
                        Application.application_date,
                        Application.applicant_id,
                        Application.technician_id,
                    ),
                    joinedload(Application.applicant).load_only(
                        Person.given_names, Person.family_names
                    ),
                    joinedload(Application.technician).load_only(User.name),
                )
                .order_by(*order)
            )
        )
    if filters.query.strip():
        audit(
            session,
            "application.search",
            object_type="application",
            purpose=_("Pesquisa de candidaturas"),
            details={"results": [a.id for a in found]},
        )
    return found, total


def _list_query(filters: ApplicationFilters) -> Select[tuple[Application]]:
    stmt = select(Application)
    if filters.status:
        stmt = stmt.where(Application.status == filters.status)
    if filters.technician_id:
        stmt = stmt.where(Application.technician_id == filters.technician_id)
    if filters.support_type:
        stmt = stmt.where(
            Application.id.in_(
                select(ApplicationItem.application_id).where(
                    ApplicationItem.support_type == filters.support_type
                )
            )
        )
    query = filters.query.strip()
    if query:
        if "/" in query and query.replace("/", "").isdigit():
            stmt = stmt.where(Application.number == query)
        else:
            people = select(Person.id)
            for token in normalise(query).split()[:5]:
                people = people.where(Person.search_name.contains(token, autoescape=True))
            stmt = stmt.where(Application.applicant_id.in_(people))
    return stmt
