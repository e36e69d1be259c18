"""Case vignettes: a case brought to a working group without the people in it.

The author builds the vignette in their council (tenant scope), from the case: the person's
age band, sex and place in the household, the household as relation and age band of each
member, the areas and risk signals, the months since opening, the active plan's goals and
actions (those done or cancelled count as *tried*), and what stalls (actions past their
deadline, referrals refused or unanswered past their deadline, a plan review overdue). Each
free text passes through :mod:`teia.groups.scrub` with the case's identifiers; the author may
edit any of them in the preview (what they type is scrubbed again) or empty it to leave that
part out. What the group receives is exactly the previewed structure: its hash travels in
the form and is checked again at publication.

The group's rows (:class:`Vignette`, its comments) are platform rows that never hold the case
id; the link back (:class:`VignetteSource`) and what the author adopted stay in the council,
under row-level security. The adoption is written to the case as a **confidential** timeline
note (the author and the case manager read it; partners with the timeline shared do not):
that a case was discussed among professionals of other councils is the team's reflective
practice, not part of the family's record that partners follow.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.audit.services import audit
from teia.cases import plans
from teia.cases.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Case,
    Consent,
    EventKind,
    InterventionPlan,
    Referral,
    ReferralStatus,
)
from teia.cases.services import CaseError, add_event
from teia.core.db import utcnow
from teia.groups.access import Seat
from teia.groups.models import (
    CommentKind,
    GroupMember,
    Vignette,
    VignetteComment,
    VignetteSource,
    VignetteStatus,
    WorkingGroup,
)
from teia.groups.scrub import Identifiers, scrub_generic
from teia.notifications.services import notify_by_preference, preference_topic
from teia.people.models import Household, HouseholdMember, Person, PersonChange

VIGNETTE_TOPIC = "groups.vignette"
COMMENT_TOPIC = "groups.comment"
preference_topic(VIGNETTE_TOPIC, _l("Novas vinhetas nos meus grupos de trabalho"))
preference_topic(COMMENT_TOPIC, _l("Comentários e propostas às minhas vinhetas"))

TITLE_MAX = 200
TEXT_MAX = 4000
TRIED = (ActionStatus.DONE, ActionStatus.CANCELLED)
WITHDRAWN_TITLE = _l("Vinheta retirada pela autora ou pelo autor")
BLOCKER_KIND = {
    "no_plan": _l("Sem plano de intervenção ativo"),
    "review_overdue": _l("Revisão do plano ultrapassada"),
    "overdue_action": _l("Ação do plano em atraso"),
    "referral_refused": _l("Encaminhamento recusado"),
    "referral_unanswered": _l("Encaminhamento sem resposta no prazo"),
}
SEX = {"F": _l("Feminino"), "M": _l("Masculino"), "X": _l("Outro ou não indicado")}
# Age bands (lowest, highest age): the only trace of a birth date a group sees.
AGE_BANDS = (
    (0, 2),
    (3, 5),
    (6, 11),
    (12, 15),
    (16, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, 74),
)
OLDEST_BAND = 75
EN_DASH = "\u2013"


class VignetteError(ValueError):
    """A refused step, with the reason in Portuguese; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PreviewOutdated(VignetteError):
    """What would be published is not what the author last saw: show the preview again."""


# --- from the case ------------------------------------------------------------------------


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(birth: date | None, day: date) -> str | None:
    if birth is None:
        return None
    age = max(age_on(birth, day), 0)
    if age >= OLDEST_BAND:
        return f"{OLDEST_BAND}+"
    return next(f"{low}{EN_DASH}{high}" for low, high in AGE_BANDS if low <= age <= high)


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months - (end.day < start.day), 0)


def _iso_dates(values: list[str]) -> list[date]:
    out = []
    for value in values:
        try:
            out.append(date.fromisoformat(value))
        except ValueError:
            continue
    return out


def case_identifiers(session: Session, case: Case) -> Identifiers:
    """Everything the case knows that identifies someone (call in the case's council)."""
    household = session.get(Household, case.household_id)
    members = list(
        session.scalars(
            select(HouseholdMember)
            .options(joinedload(HouseholdMember.person).selectinload(Person.documents))
            .where(HouseholdMember.household_id == case.household_id)
        )
    )
    people = {m.person.id: m.person for m in members}
    person = session.get(Person, case.person_id)
    if person is not None:
        people[person.id] = person
    given_by = session.scalars(select(Consent.given_by).where(Consent.person_id.in_(people)))
    # What a rectification replaced still names the person.
    earlier: dict[str, list[str]] = {}
    for field, value in session.execute(
        select(PersonChange.field, PersonChange.old_value).where(
            PersonChange.person_id.in_(people), PersonChange.old_value.is_not(None)
        )
    ):
        earlier.setdefault(field, []).append(value)

    def old(*fields: str) -> list[str]:
        return [v for f in fields for v in earlier.get(f, [])]

    return Identifiers.build(
        names=[
            *(n for p in people.values() for n in (p.given_names, p.family_names)),
            *given_by,
            *old("given_names", "family_names"),
        ],
        numbers=[
            *(n for p in people.values() for n in (p.nif, p.niss, p.sns, p.phone)),
            *old("nif", "niss", "sns", "phone"),
        ],
        codes=[case.number, *(d.number for p in people.values() for d in p.documents)],
        emails=[*(p.email for p in people.values()), *old("email")],
        addresses=[household.address if household else None],
        postal_codes=[household.postal_code if household else None],
        parishes=[household.parish if household else None],
        dates=[*(p.birth_date for p in people.values()), *_iso_dates(old("birth_date"))],
    )


def _household(session: Session, case: Case, day: date) -> tuple[str | None, list[dict]]:
    """The person's relation to the representative, and every other current member's."""
    rows = session.scalars(
        select(HouseholdMember)
        .options(joinedload(HouseholdMember.person))
        .where(
            HouseholdMember.household_id == case.household_id,
            HouseholdMember.left_on.is_(None),
        )
        .order_by(HouseholdMember.id)
    )
    own = None
    others = []
    for member in rows:
        if member.person_id == case.person_id:
            own = str(member.relationship_to_representative)
            continue
        others.append(
            {
                "relationship": str(member.relationship_to_representative),
                "age_band": age_band(member.person.birth_date, day),
            }
        )
    return own, others


def _blockers(
    session: Session, case: Case, plan: InterventionPlan | None, ids: Identifiers, day: date
) -> list[dict]:
    blockers: list[dict] = []
    if plan is None:
        blockers.append({"kind": "no_plan", "text": ""})
    else:
        if plan.review_on is not None and plan.review_on < day:
            blockers.append({"kind": "review_overdue", "text": ""})
        for goal in plan.goals:
            for action in goal.actions:
                if action.status in OPEN_ACTION_STATUSES and action.due_on and action.due_on < day:
                    blockers.append(
                        {"kind": "overdue_action", "text": ids.scrub(action.description)}
                    )
    referrals = session.scalars(
        select(Referral)
        .options(joinedload(Referral.organization))
        .where(Referral.case_id == case.id)
        .order_by(Referral.requested_at, Referral.id)
    )
    for referral in referrals:
        if referral.status == ReferralStatus.REFUSED:
            kind = "referral_refused"
        elif referral.status == ReferralStatus.PENDING and referral.respond_by < day:
            kind = "referral_unanswered"
        else:
            continue
        blockers.append(
            {
                "kind": kind,
                "area": str(referral.area),
                "organization": referral.organization.name,
                "text": ids.scrub(referral.request),
                "answer": ids.scrub(referral.response_reason or ""),
            }
        )
    return blockers


def build_content(session: Session, case: Case, ids: Identifiers, day: date) -> dict[str, Any]:
    """The vignette as drafted from the case: structure, codes and scrubbed texts."""
    person = session.get(Person, case.person_id)
    assert person is not None
    relationship, household = _household(session, case, day)
    plan = plans.current_plan(session, case.id)
    goals = []
    for goal in plan.goals if plan else []:
        goals.append(
            {
                "text": ids.scrub(goal.description),
                "actions": [
                    {
                        "text": ids.scrub(action.description),
                        "status": str(action.status),
                        "tried": action.status in TRIED,
                        "overdue": bool(
                            action.status in OPEN_ACTION_STATUSES
                            and action.due_on
                            and action.due_on < day
                        ),
                        "note": ids.scrub(action.progress_note or ""),
                    }
                    for action in goal.actions
                ],
            }
        )
    return {
        "person": {
            "age_band": age_band(person.birth_date, day),
            "sex": person.sex,
            "relationship": relationship,
        },
        "household": household,
        "areas": list(case.areas),
        "risk_flags": list(case.risk_flags),
        "case_status": str(case.status),
        "months_open": months_between(case.opened_on, day),
        "situation": ids.scrub(case.opening_reason),
        "goals": goals,
        "blockers": _blockers(session, case, plan, ids, day),
    }


# --- the free-text parts the author may edit ----------------------------------------------


@dataclass(frozen=True)
class Part:
    """One free text of the draft, with its form key and what the form calls it."""

    key: str
    label: str
    text: str
    multiline: bool = True


def parts(content: dict[str, Any]) -> Iterator[Part]:
    """The editable texts of a draft, in reading order (keys are positions in the draft)."""
    yield Part("situation", _("Situação (motivo de abertura)"), content["situation"])
    for g, goal in enumerate(content["goals"], start=1):
        yield Part(f"goal-{g}", _("Objetivo %(n)s", n=g), goal["text"], False)
        for a, action in enumerate(goal["actions"], start=1):
            yield Part(f"goal-{g}-action-{a}", _("Ação %(n)s", n=f"{g}.{a}"), action["text"])
            if action["note"]:
                label = _("Nota de progresso da ação %(n)s", n=f"{g}.{a}")
                yield Part(f"goal-{g}-action-{a}-note", label, action["note"])
    for b, blocker in enumerate(content["blockers"], start=1):
        if blocker["text"]:
            yield Part(f"blocker-{b}", _("Bloqueio %(n)s", n=b), blocker["text"])
        if blocker.get("answer"):
            label = _("Resposta recebida (bloqueio %(n)s)", n=b)
            yield Part(f"blocker-{b}-answer", label, blocker["answer"])


def apply_edits(draft: dict[str, Any], edits: dict[str, str], ids: Identifiers) -> dict[str, Any]:
    """The draft with the author's texts (scrubbed again); an emptied text leaves its part
    out (a goal, an action, a blocker) or blank (the situation, a note, an answer)."""
    content = copy.deepcopy(draft)

    def edited(key: str, current: str) -> str:
        if key not in edits:
            return current
        return ids.scrub(edits[key].strip()[:TEXT_MAX])

    content["situation"] = edited("situation", content["situation"])
    goals = []
    for g, goal in enumerate(content["goals"], start=1):
        goal["text"] = edited(f"goal-{g}", goal["text"])
        actions = []
        for a, action in enumerate(goal["actions"], start=1):
            action["text"] = edited(f"goal-{g}-action-{a}", action["text"])
            action["note"] = edited(f"goal-{g}-action-{a}-note", action["note"])
            if action["text"]:
                actions.append(action)
        goal["actions"] = actions
        if goal["text"]:
            goals.append(goal)
    content["goals"] = goals
    blockers = []
    for b, blocker in enumerate(content["blockers"], start=1):
        had_text = bool(blocker["text"])
        blocker["text"] = edited(f"blocker-{b}", blocker["text"])
        if "answer" in blocker:
            blocker["answer"] = edited(f"blocker-{b}-answer", blocker["answer"])
        if blocker["text"] or not had_text:
            blockers.append(blocker)
    content["blockers"] = blockers
    return content


def content_hash(title: str, question: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"title": title, "question": question, "content": content},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Preview:
    """Exactly what would be published, and the draft's parts the form edits."""

    title: str
    question: str
    content: dict[str, Any]
    hash: str
    parts: list[Part]  # of the draft (keys stable while the case does not change)


def preview(
    session: Session, case: Case, *, title: str, question: str, edits: dict[str, str], day: date
) -> Preview:
    if case.anonymised_at is not None:
        raise VignetteError(_("Este processo foi anonimizado: não há caso a discutir."))
    ids = case_identifiers(session, case)
    draft = build_content(session, case, ids, day)
    content = apply_edits(draft, edits, ids)
    title = ids.scrub(title.strip()[:TITLE_MAX])
    question = ids.scrub(question.strip()[:TEXT_MAX])
    return Preview(
        title, question, content, content_hash(title, question, content), list(parts(draft))
    )


# --- publishing, reading, commenting, withdrawing -----------------------------------------


def _active_members(session: Session, group_id: int) -> list[GroupMember]:
    return list(
        session.scalars(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.active.is_(True)
            )
        )
    )


def publish(
    session: Session,
    case: Case,
    seat: Seat,
    *,
    title: str,
    question: str,
    edits: dict[str, str],
    seen_hash: str,
    author_id: int,
    day: date,
) -> Vignette:
    """Publish what the author previewed (in the case's council); refuse anything else."""
    shown = preview(session, case, title=title, question=question, edits=edits, day=day)
    if not shown.title:
        raise VignetteError(_("Dê um título à vinheta."), "title")
    if not shown.question:
        raise VignetteError(_("Diga ao grupo o que pergunta."), "question")
    if shown.hash != seen_hash:
        raise PreviewOutdated(
            _("O conteúdo mudou desde a pré-visualização: reveja-o antes de publicar.")
        )
    vignette = Vignette(
        group_id=seat.group.id,
        author_id=author_id,
        source_tenant_id=case.tenant_id,
        title=shown.title,
        question=shown.question,
        content=shown.content,
        content_hash=shown.hash,
    )
    session.add(vignette)
    session.flush()
    session.add(VignetteSource(vignette_id=vignette.id, case_id=case.id, created_by_id=author_id))
    audit(
        session,
        "vignette.published",
        object_type="vignette",
        object_id=vignette.id,
        details={"case": case.id, "group": seat.group.id},
    )
    link = url_for("vignettes.show", group_id=seat.group.id, vignette_id=vignette.id)
    for member in _active_members(session, seat.group.id):
        if member.user_id == author_id:
            continue
        notify_by_preference(
            session,
            user_id=member.user_id,
            topic=VIGNETTE_TOPIC,
            subject=_("Nova vinheta no grupo %(group)s", group=seat.group.name),
            body=_("Foi trazido um caso ao grupo para discussão."),
            link=link,
        )
    session.flush()
    return vignette


def load(session: Session, group_id: int, vignette_id: int) -> Vignette | None:
    return session.scalar(
        select(Vignette)
        .options(joinedload(Vignette.author), joinedload(Vignette.source_tenant))
        .where(Vignette.id == vignette_id, Vignette.group_id == group_id)
    )


def group_vignettes(
    session: Session, group_id: int, limit: int | None = None
) -> list[tuple[Vignette, int]]:
    """The group's vignettes, newest first (the ``limit`` latest), with their visible comment
    counts."""
    counts = (
        select(VignetteComment.vignette_id, func.count().label("n"))
        .group_by(VignetteComment.vignette_id)
        .subquery()
    )
    rows = session.execute(
        select(Vignette, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.vignette_id == Vignette.id)
        .options(joinedload(Vignette.author), joinedload(Vignette.source_tenant))
        .where(Vignette.group_id == group_id)
        .order_by(Vignette.published_at.desc(), Vignette.id.desc())
        .limit(limit)
    )
    return [(v, n if v.status == VignetteStatus.PUBLISHED else 0) for v, n in rows]


def visible_comments(session: Session, vignette: Vignette) -> list[VignetteComment]:
    """The discussion, oldest first; nothing once the vignette is withdrawn."""
    if vignette.status != VignetteStatus.PUBLISHED:
        return []
    return list(
        session.scalars(
            select(VignetteComment)
            .options(joinedload(VignetteComment.author))
            .where(VignetteComment.vignette_id == vignette.id)
            .order_by(VignetteComment.created_at, VignetteComment.id)
        )
    )


def record_read(session: Session, vignette: Vignette, via: str) -> None:
    audit(
        session,
        "vignette.read",
        object_type="vignette",
        object_id=vignette.id,
        details={"group": vignette.group_id, "via": via},
    )


def comment(
    session: Session, seat: Seat, vignette: Vignette, *, kind: CommentKind, body: str
) -> VignetteComment:
    """A member's comment or proposal, scrubbed of identifier patterns; the author is told."""
    if vignette.status != VignetteStatus.PUBLISHED:
        raise VignetteError(_("Esta vinheta foi retirada: já não recebe comentários."))
    text = scrub_generic(body.strip()[:TEXT_MAX])
    if not text:
        raise VignetteError(_("Escreva o comentário."), "body")
    row = VignetteComment(
        vignette_id=vignette.id, author_id=seat.member.user_id, kind=kind, body=text
    )
    session.add(row)
    session.flush()
    audit(
        session,
        "vignette.commented",
        object_type="vignette",
        object_id=vignette.id,
        details={"comment": row.id, "kind": str(kind)},
    )
    author_seated = vignette.author_id is not None and any(
        m.user_id == vignette.author_id for m in _active_members(session, vignette.group_id)
    )
    if author_seated and vignette.author_id != seat.member.user_id:
        notify_by_preference(
            session,
            user_id=vignette.author_id,  # type: ignore[arg-type]
            topic=COMMENT_TOPIC,
            subject=_("Nova resposta à sua vinheta no grupo %(group)s", group=seat.group.name),
            body=_("Um membro do grupo comentou ou fez uma proposta."),
            link=url_for("vignettes.show", group_id=vignette.group_id, vignette_id=vignette.id)
            + "#discussao",
        )
    return row


def withdraw(session: Session, vignette: Vignette, actor_id: int) -> None:
    """The author takes the case back: its content and question are erased, comments hidden."""
    if vignette.author_id != actor_id:
        raise PermissionError(vignette.id)
    if vignette.status == VignetteStatus.WITHDRAWN:
        return
    vignette.status = VignetteStatus.WITHDRAWN
    vignette.withdrawn_at = utcnow()
    vignette.title = str(WITHDRAWN_TITLE)
    vignette.question = ""
    vignette.content = {}
    audit(session, "vignette.withdrawn", object_type="vignette", object_id=vignette.id)
    session.flush()


@dataclass(frozen=True)
class Reader:
    name: str
    reads: int
    first: datetime
    last: datetime


def readers(session: Session, vignette: Vignette) -> list[Reader]:
    """Who opened the vignette (page or API), from the audit trail, first reader first."""
    rows = session.execute(
        select(
            User.name,
            func.count(AuditEvent.id),
            func.min(AuditEvent.at),
            func.max(AuditEvent.at),
        )
        .join(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.action == "vignette.read",
            AuditEvent.object_type == "vignette",
            AuditEvent.object_id == str(vignette.id),
        )
        .group_by(User.id, User.name)
        .order_by(func.min(AuditEvent.at), User.name)
    )
    return [Reader(name, n, first, last) for name, n, first, last in rows]


# --- back in the council: the case's vignettes and what was adopted -----------------------


def case_sources(session: Session, case_id: int) -> list[VignetteSource]:
    """The vignettes brought from this case (council scope), newest first."""
    return list(
        session.scalars(
            select(VignetteSource)
            .options(
                joinedload(VignetteSource.vignette).options(
                    joinedload(Vignette.group), joinedload(Vignette.author)
                )
            )
            .where(VignetteSource.case_id == case_id)
            .order_by(VignetteSource.created_at.desc(), VignetteSource.id.desc())
        )
    )


def proposals(session: Session, vignette: Vignette) -> list[VignetteComment]:
    return [c for c in visible_comments(session, vignette) if c.kind == CommentKind.PROPOSAL]


def adopted_comments(session: Session, source: VignetteSource) -> list[VignetteComment]:
    """The proposals the author adopted (shown in the council even once withdrawn)."""
    if not source.adopted_comment_ids:
        return []
    return list(
        session.scalars(
            select(VignetteComment)
            .where(VignetteComment.id.in_(source.adopted_comment_ids))
            .order_by(VignetteComment.created_at, VignetteComment.id)
        )
    )


def adopt(
    session: Session,
    case: Case,
    source: VignetteSource,
    *,
    comment_ids: list[int],
    note: str,
    actor_id: int,
) -> None:
    """Record in the case, privately, which proposals the author adopted and how."""
    vignette = source.vignette
    if vignette.author_id != actor_id:
        raise PermissionError(vignette.id)
    if vignette.status != VignetteStatus.PUBLISHED:
        raise VignetteError(_("A vinheta foi retirada: o que adotou já não pode ser registado."))
    offered = {c.id: c for c in proposals(session, vignette)}
    chosen = [offered[i] for i in dict.fromkeys(comment_ids) if i in offered]
    if len(chosen) != len(set(comment_ids)):
        raise VignetteError(_("Escolha entre as propostas desta vinheta."), "proposals")
    note = note.strip()[:TEXT_MAX]
    if not chosen and not note:
        raise VignetteError(_("Escolha uma proposta ou descreva o que adotou."), "note")
    group = session.get(WorkingGroup, vignette.group_id)
    assert group is not None
    lines = [
        _(
            "Adotado da discussão no grupo de trabalho «%(group)s» (vinheta «%(title)s»):",
            group=group.name,
            title=vignette.title,
        )
    ]
    lines += [f"- {c.body}" for c in chosen]
    if note:
        lines.append(note)
    try:
        add_event(
            session,
            case,
            kind=EventKind.NOTE,
            occurred_at=utcnow(),
            text="\n".join(lines),
            confidential=True,
            reader_ids=[],
            author_id=actor_id,
        )
    except CaseError as exc:
        raise VignetteError(str(exc)) from exc
    source.adopted_comment_ids = [c.id for c in chosen]
    source.adopted_note = note or None
    source.adopted_at = utcnow()
    audit(
        session,
        "vignette.adopted",
        object_type="vignette",
        object_id=vignette.id,
        details={"case": case.id, "proposals": source.adopted_comment_ids},
    )
    session.flush()
