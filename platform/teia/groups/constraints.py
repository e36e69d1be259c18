"""The constraints register: problems a group identifies, the councils they affect, and what
came of taking them to the responsible body — the material for recommendations to national
bodies.

Any member may propose a constraint and, while it is only *identified*, reword it; the
group's coordinators reword any constraint, and alone move its status and record with whom it
was raised, when, and the response obtained.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teia.audit.services import audit
from teia.core.clock import today as local_today
from teia.groups.access import Seat, group_councils
from teia.groups.models import ConstraintStatus, GroupConstraint, WorkingGroup

STATUS_LABELS = {
    ConstraintStatus.IDENTIFIED: _l("Identificado"),
    ConstraintStatus.RAISED: _l("Levado à entidade responsável"),
    ConstraintStatus.ANSWERED: _l("Com resposta"),
    ConstraintStatus.RESOLVED: _l("Resolvido"),
    ConstraintStatus.DROPPED: _l("Abandonado"),
}
OPEN_STATUSES = (ConstraintStatus.IDENTIFIED.value, ConstraintStatus.RAISED.value)
# A register's CSV cell that a spreadsheet would run as a formula is quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ConstraintError(ValueError):
    """A refused step, with the reason in Portuguese; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ConstraintInput:
    title: str
    description: str
    affected_tenant_ids: Sequence[int]


@dataclass(frozen=True)
class ConstraintProgress:
    status: str
    raised_with: str | None
    raised_on: date | None
    response: str | None
    response_on: date | None


def _clean(group: WorkingGroup, data: ConstraintInput) -> ConstraintInput:
    title, description = data.title.strip(), data.description.strip()
    if not title:
        raise ConstraintError(_("Dê um título ao constrangimento."), "title")
    if not description:
        raise ConstraintError(_("Descreva o constrangimento."), "description")
    allowed = {t.id for t in group_councils(group)}
    chosen = sorted(set(data.affected_tenant_ids))
    if not chosen:
        raise ConstraintError(_("Escolha pelo menos um município afetado."), "affected")
    if not set(chosen) <= allowed:
        raise ConstraintError(_("Escolha municípios do grupo."), "affected")
    return ConstraintInput(title, description, chosen)


def propose(session: Session, seat: Seat, data: ConstraintInput) -> GroupConstraint:
    """A member puts a constraint in the register (status *identified*)."""
    data = _clean(seat.group, data)
    found = GroupConstraint(
        group_id=seat.group.id,
        title=data.title,
        description=data.description,
        affected_tenant_ids=list(data.affected_tenant_ids),
        status=ConstraintStatus.IDENTIFIED,
        created_by_id=seat.member.user_id,
        updated_by_id=seat.member.user_id,
    )
    session.add(found)
    session.flush()
    audit(session, "group.constraint_created", object_type="group_constraint", object_id=found.id)
    return found


def may_edit(seat: Seat, found: GroupConstraint) -> bool:
    """Coordinators always; the member who proposed it while it is only identified."""
    return seat.is_coordinator or (
        found.created_by_id == seat.member.user_id and found.status == ConstraintStatus.IDENTIFIED
    )


def edit(session: Session, seat: Seat, found: GroupConstraint, data: ConstraintInput) -> None:
    if not may_edit(seat, found):
        raise ConstraintError(
            _("Só a coordenação altera um constrangimento já levado à entidade responsável.")
        )
    data = _clean(seat.group, data)
    found.title, found.description = data.title, data.description
    found.affected_tenant_ids = list(data.affected_tenant_ids)
    found.updated_by_id = seat.member.user_id
    session.flush()
    audit(session, "group.constraint_edited", object_type="group_constraint", object_id=found.id)


def record_progress(
    session: Session, seat: Seat, found: GroupConstraint, progress: ConstraintProgress
) -> None:
    """The coordination moves the status and records whom it was raised with and the answer.

    Raised (and every later status but *dropped*) needs the body and the date; answered and
    resolved keep the response once there is one; a date is never in the future nor a
    response before the constraint was raised."""
    if not seat.is_coordinator:
        raise ConstraintError(_("Só a coordenação do grupo muda o estado de um constrangimento."))
    try:
        status = ConstraintStatus(progress.status)
    except ValueError:
        raise ConstraintError(_("Escolha um estado da lista."), "status") from None
    raised_with = (progress.raised_with or "").strip() or None
    response = (progress.response or "").strip() or None
    councils = group_councils(seat.group)
    today = local_today(councils[0].timezone if councils else None)
    if status in (ConstraintStatus.RAISED, ConstraintStatus.ANSWERED):
        if raised_with is None:
            raise ConstraintError(_("Indique a entidade a que foi levado."), "raised_with")
        if progress.raised_on is None:
            raise ConstraintError(_("Indique quando foi levado."), "raised_on")
    if status == ConstraintStatus.ANSWERED:
        if response is None:
            raise ConstraintError(_("Registe a resposta obtida."), "response")
        if progress.response_on is None:
            raise ConstraintError(_("Indique quando chegou a resposta."), "response_on")
    if response is not None and progress.response_on is None:
        raise ConstraintError(_("Indique quando chegou a resposta."), "response_on")
    for field, value in (("raised_on", progress.raised_on), ("response_on", progress.response_on)):
        if value is not None and value > today:
            raise ConstraintError(_("A data não pode ser futura."), field)
    if (
        progress.raised_on is not None
        and progress.response_on is not None
        and progress.response_on < progress.raised_on
    ):
        raise ConstraintError(
            _("A resposta não pode ser anterior à data em que foi levado."), "response_on"
        )
    before = found.status
    found.status = status
    found.raised_with, found.raised_on = raised_with, progress.raised_on
    found.response, found.response_on = response, progress.response_on if response else None
    found.updated_by_id = seat.member.user_id
    session.flush()
    audit(
        session,
        "group.constraint_progress",
        object_type="group_constraint",
        object_id=found.id,
        details={"from": before, "to": status},
    )


def register(
    session: Session, group: WorkingGroup, status: str | None = None
) -> list[GroupConstraint]:
    """The group's constraints, newest first, optionally of one status."""
    stmt = select(GroupConstraint).where(GroupConstraint.group_id == group.id)
    if status:
        stmt = stmt.where(GroupConstraint.status == status)
    return list(
        session.scalars(stmt.order_by(GroupConstraint.created_at.desc(), GroupConstraint.id.desc()))
    )


def open_count(session: Session, group: WorkingGroup) -> int:
    """Constraints still waiting on someone: identified, or raised and not yet answered."""
    return (
        session.scalar(
            select(func.count(GroupConstraint.id)).where(
                GroupConstraint.group_id == group.id,
                GroupConstraint.status.in_(OPEN_STATUSES),
            )
        )
        or 0
    )


def constraint_of(
    session: Session, group: WorkingGroup, constraint_id: int
) -> GroupConstraint | None:
    return session.scalar(
        select(GroupConstraint).where(
            GroupConstraint.id == constraint_id, GroupConstraint.group_id == group.id
        )
    )


def council_names(group: WorkingGroup, tenant_ids: Collection[int]) -> list[str]:
    """The names of the affected councils (a council no longer in the group still shows)."""
    names = {t.id: t.name for t in group_councils(group)}
    return sorted(names.get(i, f"#{i}") for i in tenant_ids)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def register_csv(session: Session, group: WorkingGroup) -> str:
    """The register as CSV (semicolon-separated, as Portuguese spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Título"),
            _("Descrição"),
            _("Municípios afetados"),
            _("Estado"),
            _("Levado a"),
            _("Levado em"),
            _("Resposta"),
            _("Resposta em"),
            _("Registado em"),
        ]
    )
    for found in register(session, group):
        writer.writerow(
            [
                _cell(found.title),
                _cell(found.description),
                _cell(", ".join(council_names(group, found.affected_tenant_ids))),
                str(STATUS_LABELS[ConstraintStatus(found.status)]),
                _cell(found.raised_with),
                found.raised_on.isoformat() if found.raised_on else "",
                _cell(found.response),
                found.response_on.isoformat() if found.response_on else "",
                found.created_at.date().isoformat(),
            ]
        )
    audit(session, "group.constraints_exported", object_type="working_group", object_id=group.id)
    return out.getvalue()
