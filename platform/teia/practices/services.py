"""The good-practice library: who reads and writes, and a practice's way from draft to
published (review by a coordinator of its consortium), archive, and councils' adoptions.

- **Readers**: anyone signed in with at least one active membership (council staff, partner
  professionals, consortium coordinators) reads published practices, from every consortium.
  Someone with no membership gets 404 everywhere, platform admins included.
- A **draft** or a practice **in review** is seen only by its author and by the coordinators
  of its consortium (others: 404). An **archived** practice stays readable by link, with a
  notice, but leaves the search.
- **Authors** write for a consortium of one of their councils, or one they coordinate; the
  councils involved are members of that consortium. Only the author edits, and only a draft.
- A **coordinator** of the practice's consortium (never its author) publishes it or returns
  it with a note; a coordinator archives a published practice.
- **Adoption**: council staff (admin, case manager, technician) record, once per council,
  that the council took the practice up and how it went.

Notifications name the practice and what happened: a practice is about a way of working,
never about a person.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role
from teia.audit.services import audit
from teia.core.db import after_commit, utcnow
from teia.groups.models import GroupMember, WorkingGroup
from teia.notifications.services import notify_by_preference, preference_topic
from teia.practices.models import (
    AdoptionStatus,
    Practice,
    PracticeAdoption,
    PracticeCouncil,
    PracticeStatus,
)
from teia.tenants.models import Consortium, Tenant

REVIEW_TOPIC = "practices.review"
PUBLISHED_TOPIC = "practices.published"
preference_topic(
    REVIEW_TOPIC, _l("Boas práticas: submetidas à revisão do meu consórcio, ou devolvidas a mim")
)
preference_topic(PUBLISHED_TOPIC, _l("Boas práticas: novas práticas publicadas na biblioteca"))

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
ADOPTION_ROLES = frozenset({Role.TENANT_ADMIN, Role.CASE_MANAGER, Role.TECHNICIAN})
# Who hears of a new practice in the councils of its consortium (besides every coordinator).
PUBLISHED_AUDIENCE_ROLES = (Role.TENANT_ADMIN, Role.CASE_MANAGER)


class PracticeError(ValueError):
    """A refusal worded for the user; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Actor:
    """What the signed-in user may do in the library, from their active memberships."""

    user_id: int
    council_ids: frozenset[int]  # councils they work in, any role
    staff_council_ids: frozenset[int]  # councils whose adoptions they record
    coordinated_ids: frozenset[int]  # consortia they coordinate
    council_consortium_ids: frozenset[int]  # consortia their councils belong to

    @property
    def is_reader(self) -> bool:
        return bool(self.council_ids or self.coordinated_ids)

    @property
    def writes_for(self) -> frozenset[int]:
        return self.council_consortium_ids | self.coordinated_ids

    def coordinates(self, consortium_id: int) -> bool:
        return consortium_id in self.coordinated_ids


def actor_of(user_id: int, memberships: Iterable[Membership]) -> Actor:
    councils: set[int] = set()
    staff: set[int] = set()
    coordinated: set[int] = set()
    consortia: set[int] = set()
    for m in memberships:
        if m.tenant is not None and m.tenant.active:
            councils.add(m.tenant.id)
            consortia.update(c.id for c in m.tenant.consortia)
            if Role(m.role) in ADOPTION_ROLES:
                staff.add(m.tenant.id)
        elif m.consortium_id is not None and m.role == Role.CONSORTIUM_COORDINATOR:
            coordinated.add(m.consortium_id)
    return Actor(
        user_id,
        frozenset(councils),
        frozenset(staff),
        frozenset(coordinated),
        frozenset(consortia),
    )


# --- access ---------------------------------------------------------------------------------


def require_reader(actor: Actor) -> None:
    if not actor.is_reader:
        abort(404)


def can_see(actor: Actor, practice: Practice) -> bool:
    if not actor.is_reader:
        return False
    if practice.status in (PracticeStatus.PUBLISHED, PracticeStatus.ARCHIVED):
        return True
    return practice.author_id == actor.user_id or actor.coordinates(practice.consortium_id)


def visible_practice(session: Session, actor: Actor, practice_id: int) -> Practice:
    """The practice if the user may see it, else 404 (never reveal a draft exists)."""
    practice = session.get(Practice, practice_id)
    if practice is None or not can_see(actor, practice):
        abort(404)
    return practice


def published_practice(session: Session, actor: Actor, practice_id: int) -> Practice:
    """A published practice for a reader (the API's rule), else 404."""
    require_reader(actor)
    practice = session.get(Practice, practice_id)
    if practice is None or practice.status != PracticeStatus.PUBLISHED:
        abort(404)
    return practice


def can_edit(actor: Actor, practice: Practice) -> bool:
    return practice.author_id == actor.user_id and practice.status == PracticeStatus.DRAFT


def can_review(actor: Actor, practice: Practice) -> bool:
    return (
        practice.status == PracticeStatus.IN_REVIEW
        and actor.coordinates(practice.consortium_id)
        and practice.author_id != actor.user_id
    )


def can_archive(actor: Actor, practice: Practice) -> bool:
    return practice.status == PracticeStatus.PUBLISHED and actor.coordinates(practice.consortium_id)


def adoption_councils(session: Session, actor: Actor) -> list[Tenant]:
    """The councils whose adoption the user records, by name."""
    if not actor.staff_council_ids:
        return []
    return list(
        session.scalars(
            select(Tenant).where(Tenant.id.in_(actor.staff_council_ids)).order_by(Tenant.name)
        )
    )


def writable_consortia(session: Session, actor: Actor) -> list[Consortium]:
    if not actor.writes_for:
        return []
    return list(
        session.scalars(
            select(Consortium).where(Consortium.id.in_(actor.writes_for)).order_by(Consortium.name)
        )
    )


def member_councils(consortia: Sequence[Consortium]) -> list[Tenant]:
    """The member councils of these consortia, once each, by name."""
    found = {t.id: t for c in consortia for t in c.members}
    return sorted(found.values(), key=lambda t: t.name)


def writable_groups(session: Session, actor: Actor) -> list[WorkingGroup]:
    """The active groups the user sits in: a practice may say which group it came from."""
    return list(
        session.scalars(
            select(WorkingGroup)
            .join(GroupMember, GroupMember.group_id == WorkingGroup.id)
            .where(
                GroupMember.user_id == actor.user_id,
                GroupMember.active.is_(True),
                WorkingGroup.active.is_(True),
            )
            .order_by(WorkingGroup.name)
        )
    )


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeInput:
    title: str
    problem: str
    what_was_done: str
    results: str
    resources: str
    tags: str  # as typed: words or short phrases separated by commas
    consortium_id: int | None
    council_ids: Sequence[int]
    group_id: int | None = None


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()


def normalise_tags(raw: str) -> list[str]:
    """Lower-case tags, once each, in the order typed; at most :data:`MAX_TAGS`."""
    tags: list[str] = []
    for part in raw.replace(";", ",").split(","):
        tag = " ".join(_clean(part).lower().lstrip("#").split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise PracticeError(
                _("Cada etiqueta tem até %(n)s caracteres.", n=MAX_TAG_LENGTH), "tags"
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise PracticeError(_("No máximo %(n)s etiquetas.", n=MAX_TAGS), "tags")
    return tags


def _apply(session: Session, actor: Actor, practice: Practice, data: PracticeInput) -> None:
    title = " ".join(_clean(data.title).split())
    if not title:
        raise PracticeError(_("Dê um título à prática."), "title")
    if len(title) > 200:
        raise PracticeError(_("O título tem até 200 caracteres."), "title")
    problem, done = _clean(data.problem), _clean(data.what_was_done)
    if not problem:
        raise PracticeError(_("Descreva o problema a que a prática respondeu."), "problem")
    if not done:
        raise PracticeError(_("Descreva o que foi feito."), "what_was_done")
    if data.consortium_id is None or data.consortium_id not in actor.writes_for:
        raise PracticeError(
            _("Escolha um consórcio de um dos seus municípios, ou que coordena."), "consortium"
        )
    consortium = session.get(Consortium, data.consortium_id)
    assert consortium is not None  # one of the user's, so it exists
    members = {t.id for t in consortium.members}
    chosen = list(dict.fromkeys(data.council_ids))
    if not set(chosen) <= members:
        raise PracticeError(
            _("Os municípios envolvidos têm de pertencer ao consórcio escolhido."), "councils"
        )
    group_id = _checked_group(session, actor, data.group_id, consortium.id)
    tags = normalise_tags(data.tags)
    practice.title = title
    practice.problem = problem
    practice.what_was_done = done
    practice.results = _clean(data.results)
    practice.resources = _clean(data.resources)
    practice.tags = tags
    practice.consortium_id = consortium.id
    practice.group_id = group_id
    current = {c.tenant_id: c for c in practice.councils}
    practice.councils = [current.get(t) or PracticeCouncil(tenant_id=t) for t in chosen]


def _checked_group(
    session: Session, actor: Actor, group_id: int | None, consortium_id: int
) -> int | None:
    if group_id is None:
        return None
    group = next((g for g in writable_groups(session, actor) if g.id == group_id), None)
    if group is None:
        raise PracticeError(_("Escolha um grupo de trabalho de que faça parte."), "group")
    if group.consortium_id is not None and group.consortium_id != consortium_id:
        raise PracticeError(_("Esse grupo de trabalho é de outro consórcio."), "group")
    return group.id


def create_draft(session: Session, actor: Actor, data: PracticeInput) -> Practice:
    require_reader(actor)
    practice = Practice(author_id=actor.user_id, status=PracticeStatus.DRAFT, councils=[])
    _apply(session, actor, practice, data)
    session.add(practice)
    session.flush()
    audit(session, "practice.created", object_type="practice", object_id=practice.id)
    return practice


def update_draft(session: Session, actor: Actor, practice: Practice, data: PracticeInput) -> None:
    _editable(actor, practice)
    _apply(session, actor, practice, data)
    session.flush()
    audit(session, "practice.updated", object_type="practice", object_id=practice.id)


def _editable(actor: Actor, practice: Practice) -> None:
    if practice.author_id != actor.user_id:
        abort(403)
    if practice.status != PracticeStatus.DRAFT:
        raise PracticeError(_("Só se altera uma prática em rascunho."))


# --- review ---------------------------------------------------------------------------------


def _link(practice: Practice) -> str:
    return f"/practices/{practice.id}"


def coordinator_ids(session: Session, consortium_id: int | None = None) -> list[int]:
    """Active coordinators of one consortium (or of every consortium)."""
    query = select(Membership.user_id).where(
        Membership.role == Role.CONSORTIUM_COORDINATOR, Membership.active.is_(True)
    )
    if consortium_id is not None:
        query = query.where(Membership.consortium_id == consortium_id)
    return sorted(set(session.scalars(query)))


def submit(session: Session, actor: Actor, practice: Practice) -> None:
    """The author sends the draft to the coordinators of its consortium."""
    _editable(actor, practice)
    practice.status = PracticeStatus.IN_REVIEW
    practice.submitted_at = utcnow()
    session.flush()
    audit(session, "practice.submitted", object_type="practice", object_id=practice.id)
    for user_id in coordinator_ids(session, practice.consortium_id):
        if user_id == actor.user_id:
            continue
        notify_by_preference(
            session,
            user_id=user_id,
            topic=REVIEW_TOPIC,
            subject=_("Boa prática para rever: %(title)s", title=practice.title),
            body=_(
                "Uma boa prática do consórcio %(consortium)s espera a sua revisão.",
                consortium=practice.consortium.name,
            ),
            link=_link(practice),
        )


def _reviewing(actor: Actor, practice: Practice) -> None:
    if not actor.coordinates(practice.consortium_id):
        abort(403)
    if practice.author_id == actor.user_id:
        raise PracticeError(_("Quem escreveu a prática não a pode rever."))
    if practice.status != PracticeStatus.IN_REVIEW:
        raise PracticeError(_("Esta prática não está em revisão."))


def approve(session: Session, actor: Actor, practice: Practice) -> None:
    """Publish the practice; tell its author, and (in the background) the library's readers
    who should know of it."""
    _reviewing(actor, practice)
    practice.status = PracticeStatus.PUBLISHED
    practice.published_at = utcnow()
    practice.reviewer_id = actor.user_id
    practice.review_note = None
    session.flush()
    audit(session, "practice.published", object_type="practice", object_id=practice.id)
    _tell_author(
        session,
        practice,
        _("A sua boa prática foi publicada: %(title)s", title=practice.title),
        _("Já está na biblioteca de boas práticas, para todos os consórcios."),
    )
    from teia.practices.tasks import notify_published  # the task module imports this one

    practice_id = practice.id
    after_commit(session, lambda: notify_published.delay(practice_id))


def return_to_author(session: Session, actor: Actor, practice: Practice, note: str) -> None:
    """Send the practice back to draft with what to change."""
    _reviewing(actor, practice)
    note = _clean(note)
    if not note:
        raise PracticeError(_("Diga ao autor o que mudar."), "note")
    practice.status = PracticeStatus.DRAFT
    practice.reviewer_id = actor.user_id
    practice.review_note = note
    session.flush()
    audit(session, "practice.returned", object_type="practice", object_id=practice.id)
    _tell_author(
        session,
        practice,
        _("A sua boa prática foi devolvida: %(title)s", title=practice.title),
        _("A coordenação deixou uma nota sobre o que mudar antes de publicar."),
    )


def _tell_author(session: Session, practice: Practice, subject: str, body: str) -> None:
    if practice.author_id is not None:
        notify_by_preference(
            session,
            user_id=practice.author_id,
            topic=REVIEW_TOPIC,
            subject=subject,
            body=body,
            link=_link(practice),
        )


def archive(session: Session, actor: Actor, practice: Practice) -> None:
    if not actor.coordinates(practice.consortium_id):
        abort(403)
    if practice.status != PracticeStatus.PUBLISHED:
        raise PracticeError(_("Só se arquiva uma prática publicada."))
    practice.status = PracticeStatus.ARCHIVED
    session.flush()
    audit(session, "practice.archived", object_type="practice", object_id=practice.id)


def review_queue(session: Session, actor: Actor) -> list[Practice]:
    """Practices waiting for the coordinators of the user's consortia, oldest first."""
    if not actor.coordinated_ids:
        return []
    return list(
        session.scalars(
            select(Practice)
            .where(
                Practice.status == PracticeStatus.IN_REVIEW,
                Practice.consortium_id.in_(actor.coordinated_ids),
            )
            .order_by(Practice.submitted_at, Practice.id)
        )
    )


def my_practices(session: Session, actor: Actor) -> list[Practice]:
    """The user's own practices, whatever their state, latest first."""
    return list(
        session.scalars(
            select(Practice)
            .where(Practice.author_id == actor.user_id)
            .order_by(Practice.updated_at.desc(), Practice.id.desc())
        )
    )


# --- publication: who hears of it -----------------------------------------------------------


def published_audience(session: Session, practice: Practice) -> list[int]:
    """Who hears of a new practice: every consortium's coordinators (they carry practices to
    their groups and councils), and the admins and case managers of the councils of the
    practice's own consortium (neighbours who may take it up). Not partners, not technicians
    (they hear through their groups), and not the author or the reviewer (told already)."""
    councils = [t.id for t in practice.consortium.members]
    users = set(coordinator_ids(session))
    if councils:
        users.update(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.tenant_id.in_(councils),
                    Membership.role.in_(PUBLISHED_AUDIENCE_ROLES),
                    Membership.active.is_(True),
                )
            )
        )
    users.discard(practice.author_id)  # type: ignore[arg-type]
    users.discard(practice.reviewer_id)  # type: ignore[arg-type]
    return sorted(users)


def notify_published_to(session: Session, practice: Practice, user_ids: Iterable[int]) -> int:
    """Tell each user (as they chose) that the practice is in the library; returns how many
    notifications were stored."""
    sent = 0
    for user_id in user_ids:
        note = notify_by_preference(
            session,
            user_id=user_id,
            topic=PUBLISHED_TOPIC,
            subject=_("Nova boa prática na biblioteca: %(title)s", title=practice.title),
            body=_("Publicada pelo consórcio %(consortium)s.", consortium=practice.consortium.name),
            link=_link(practice),
        )
        sent += note is not None
    return sent


# --- adoption -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptionInput:
    council_id: int | None
    status: str
    started_on: date | None
    how_it_went: str


def record_adoption(
    session: Session, actor: Actor, practice: Practice, data: AdoptionInput
) -> PracticeAdoption:
    """Record (or update) that a council took the practice up, and how it went."""
    if not actor.staff_council_ids:
        abort(403)
    if practice.status != PracticeStatus.PUBLISHED:
        raise PracticeError(_("Só se regista a adoção de uma prática publicada."))
    if data.council_id not in actor.staff_council_ids:
        raise PracticeError(_("Escolha um município onde trabalha na equipa."), "council")
    try:
        status = AdoptionStatus(data.status)
    except ValueError:
        raise PracticeError(_("Escolha o estado da adoção."), "status") from None
    adoption = session.scalar(
        select(PracticeAdoption).where(
            PracticeAdoption.practice_id == practice.id,
            PracticeAdoption.council_id == data.council_id,
        )
    )
    if adoption is None:
        adoption = PracticeAdoption(practice_id=practice.id, council_id=data.council_id)
        session.add(adoption)
    adoption.status = status
    adoption.started_on = data.started_on
    adoption.how_it_went = _clean(data.how_it_went)
    adoption.recorded_by_id = actor.user_id
    adoption.updated_at = utcnow()
    session.flush()
    session.expire(practice, ["adoptions"])
    audit(
        session,
        "practice.adoption_recorded",
        object_type="practice",
        object_id=practice.id,
        details={"council": data.council_id, "status": status.value},
    )
    return adoption
