"""Finding, recording, rectifying and merging people, and their households.

Plain functions: they flush, never commit; the request or task boundary commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teia.audit.services import audit
from teia.cases.access import Viewer, visible_case_ids
from teia.cases.models import Case, Consent, Section
from teia.core.clock import today
from teia.people.identifiers import digits, normalise, valid_nif, valid_niss, valid_sns
from teia.people.models import (
    Household,
    HouseholdMember,
    Person,
    PersonChange,
    PersonMerge,
    Relationship,
)

SEARCH_LIMIT = 25
RECTIFIABLE = (
    "given_names",
    "family_names",
    "birth_date",
    "sex",
    "nif",
    "niss",
    "sns",
    "phone",
    "email",
)


class PersonError(ValueError):
    """A person could not be recorded as asked; the message is for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class PersonData:
    given_names: str
    family_names: str
    birth_date: date | None = None
    sex: str | None = None
    nif: str | None = None
    niss: str | None = None
    sns: str | None = None
    phone: str | None = None
    email: str | None = None

    def cleaned(self) -> PersonData:
        """Trimmed values, identifiers without spaces or dots, each checked."""
        values = {
            k: (v.strip() or None) if isinstance(v, str) else v for k, v in vars(self).items()
        }
        for key in ("nif", "niss", "sns"):
            if values[key]:
                values[key] = digits(values[key])
        data = PersonData(**values)
        if not data.given_names or not data.family_names:
            raise PersonError(_("Indique o nome próprio e os apelidos."), "given_names")
        if data.nif and not valid_nif(data.nif):
            raise PersonError(
                _("O NIF %(nif)s não é válido (dígito de controlo).", nif=data.nif), "nif"
            )
        if data.niss and not valid_niss(data.niss):
            raise PersonError(
                _("O NISS %(niss)s não é válido (dígito de controlo).", niss=data.niss), "niss"
            )
        if data.sns and not valid_sns(data.sns):
            raise PersonError(_("O número de utente do SNS tem 9 algarismos."), "sns")
        if data.sex not in (None, "F", "M", "X"):
            raise PersonError(_("Sexo desconhecido."), "sex")
        if data.birth_date and data.birth_date > today():
            raise PersonError(_("A data de nascimento é futura."), "birth_date")
        return data


def search_persons(session: Session, viewer: Viewer, query: str) -> list[Person]:
    """People matching a name (any order, accents and case ignored), NIF, NISS or birth date.

    A partner finds only the people of cases whose identification is shared with them.
    The search is audited with the ids it returned.
    """
    query = query.strip()
    if not query:
        return []
    stmt = select(Person).where(Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
    compact = digits(query)
    when = _parse_date(query)
    if when is not None:
        stmt = stmt.where(Person.birth_date == when)
    elif compact.isdigit():
        stmt = stmt.where(or_(Person.nif == compact, Person.niss == compact, Person.sns == compact))
    else:
        for token in normalise(query).split()[:5]:
            stmt = stmt.where(Person.search_name.contains(token, autoescape=True))
    if not viewer.staff:
        stmt = stmt.where(Person.id.in_(_shared_person_ids(viewer)))
    found = list(session.scalars(stmt.order_by(Person.search_name).limit(SEARCH_LIMIT)))
    # Who was shown, never what was typed (a NIF is personal data too).
    audit(
        session,
        "person.search",
        object_type="person",
        purpose=_("Pesquisa de pessoa"),
        details={"results": [p.id for p in found]},
    )
    return found


def audit_person_read(
    session: Session, person_id: int, details: dict[str, object] | None = None
) -> None:
    """A professional's read of a person's record, with its purpose."""
    audit(
        session,
        "person.read",
        object_type="person",
        object_id=person_id,
        purpose=_("Atendimento e acompanhamento social"),
        details=details,
    )


def _shared_person_ids(viewer: Viewer):  # type: ignore[no-untyped-def]
    cases = visible_case_ids(viewer, Section.IDENTIFICATION).subquery()
    return (
        select(HouseholdMember.person_id)
        .join(Case, Case.household_id == HouseholdMember.household_id)
        .where(Case.id.in_(select(cases.c[0])))
    )


def _parse_date(text: str) -> date | None:
    for sep in ("/", "-"):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            day, month, year = (int(p) for p in parts)
            if len(parts[0]) == 4:
                year, month, day = day, month, year
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def likely_duplicates(session: Session, data: PersonData) -> list[Person]:
    """People who may be the one about to be recorded: same identifier, or same birth date
    and a shared surname, or the same full name."""
    name = normalise(f"{data.given_names} {data.family_names}")
    surnames = normalise(data.family_names).split()
    conditions = [Person.search_name == name]
    for key in ("nif", "niss", "sns"):
        value = getattr(data, key)
        if value:
            conditions.append(getattr(Person, key) == value)
    if data.birth_date and surnames:
        conditions.append(
            and_(
                Person.birth_date == data.birth_date,
                or_(*(Person.search_name.contains(s, autoescape=True) for s in surnames)),
            )
        )
    stmt = select(Person).where(Person.merged_into_id.is_(None), or_(*conditions)).limit(10)
    return list(session.scalars(stmt))


def create_person(
    session: Session, data: PersonData, *, actor_id: int, submission_key: str | None = None
) -> tuple[Person, bool]:
    """Record a person; ``(person, False)`` when this submission already created them."""
    data = data.cleaned()
    earlier = person_for_submission(session, submission_key)
    if earlier is not None:
        return earlier, False
    _refuse_taken_identifiers(session, data)
    person = Person(
        **vars(data),
        search_name=normalise(f"{data.given_names} {data.family_names}"),
        submission_key=submission_key,
        created_by_id=actor_id,
    )
    session.add(person)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent double submit won the race: give back what it created.
        earlier = session.scalar(select(Person).where(Person.submission_key == submission_key))
        if submission_key and earlier is not None:
            return earlier, False
        raise PersonError(_("Já existe uma pessoa com estes identificadores.")) from None
    audit(session, "person.created", object_type="person", object_id=person.id)
    return person, True


def find_person(session: Session, reference: str) -> Person | None:
    """The person a professional points at by NIF, NISS or internal number (shown on the
    person's page); merged records lead to the kept one."""
    text = digits(reference.strip())
    if not text.isdigit():
        return None
    person = session.scalar(
        select(Person).where(or_(Person.nif == text, Person.niss == text)).limit(1)
    )
    if person is None and len(text) < 9:
        person = session.get(Person, int(text))
    if person is not None and person.merged_into_id:
        person = session.get(Person, person.merged_into_id)
    return person


def person_for_submission(session: Session, submission_key: str | None) -> Person | None:
    """The person a form submission already created (a double submit), if any."""
    if not submission_key:
        return None
    return session.scalar(select(Person).where(Person.submission_key == submission_key))


def _refuse_taken_identifiers(session: Session, data: PersonData, *, except_id: int = 0) -> None:
    for key, label in (("nif", "NIF"), ("niss", "NISS")):
        value = getattr(data, key)
        if not value:
            continue
        taken = session.scalar(
            select(Person.id).where(getattr(Person, key) == value, Person.id != except_id)
        )
        if taken is not None:
            raise PersonError(
                _("Já existe uma pessoa com o %(label)s %(value)s.", label=label, value=value), key
            )


def rectify_person(
    session: Session, person: Person, data: PersonData, *, reason: str, actor_id: int
) -> list[PersonChange]:
    """Apply corrections, keeping each old value with who changed it and why."""
    reason = reason.strip()
    if not reason:
        raise PersonError(_("Indique o motivo da retificação."), "reason")
    data = data.cleaned()
    _refuse_taken_identifiers(session, data, except_id=person.id)
    changes = []
    for key in RECTIFIABLE:
        old, new = getattr(person, key), getattr(data, key)
        if old == new:
            continue
        changes.append(
            PersonChange(
                person_id=person.id,
                field=key,
                old_value=_text(old),
                new_value=_text(new),
                reason=reason,
                changed_by_id=actor_id,
            )
        )
        setattr(person, key, new)
    if not changes:
        raise PersonError(_("Nada foi alterado."))
    person.search_name = normalise(person.full_name)
    session.add_all(changes)
    audit(
        session,
        "person.rectified",
        object_type="person",
        object_id=person.id,
        details={"fields": [c.field for c in changes]},
    )
    session.flush()
    return changes


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def merge_persons(
    session: Session, kept: Person, duplicate: Person, *, reason: str, actor_id: int
) -> PersonMerge:
    """Fold ``duplicate`` into ``kept``: households, cases, consents and history move over;
    the duplicate stays, marked merged, with a snapshot of what it held."""
    if kept.id == duplicate.id or duplicate.merged_into_id or kept.merged_into_id:
        raise PersonError(_("Escolha duas pessoas diferentes, ainda não fundidas."))
    if not reason.strip():
        raise PersonError(_("Indique o motivo da fusão."), "reason")
    snapshot = {key: _text(getattr(duplicate, key)) for key in RECTIFIABLE}
    snapshot["documents"] = [
        {"kind": d.kind, "number": d.number, "valid_until": _text(d.valid_until)}
        for d in duplicate.documents
    ]
    already = set(
        session.scalars(
            select(HouseholdMember.household_id).where(HouseholdMember.person_id == kept.id)
        )
    )
    for member in session.scalars(
        select(HouseholdMember).where(HouseholdMember.person_id == duplicate.id)
    ):
        if member.household_id in already:
            session.delete(member)
        else:
            member.person_id = kept.id
    for model in (Case, Consent, PersonChange):
        session.execute(
            update(model).where(model.person_id == duplicate.id).values(person_id=kept.id)
        )
    for document in list(duplicate.documents):
        document.person_id = kept.id
    # Identifiers the kept record lacks move over; the duplicate gives its own up (they are
    # unique) and keeps them in the snapshot.
    moved = {}
    for key in ("nif", "niss", "sns", "birth_date", "sex", "phone", "email"):
        value = getattr(duplicate, key)
        if key in ("nif", "niss", "sns"):
            setattr(duplicate, key, None)
        if value and not getattr(kept, key):
            moved[key] = value
    session.flush()
    for key, value in moved.items():
        setattr(kept, key, value)
    duplicate.merged_into_id = kept.id
    merge = PersonMerge(
        kept_id=kept.id,
        merged_id=duplicate.id,
        snapshot=snapshot,
        reason=reason.strip(),
        merged_by_id=actor_id,
    )
    session.add(merge)
    audit(
        session,
        "person.merged",
        object_type="person",
        object_id=kept.id,
        details={"merged": duplicate.id, "moved": sorted(moved)},
    )
    session.flush()
    return merge


def new_household(
    session: Session,
    representative: Person,
    *,
    address: str | None = None,
    postal_code: str | None = None,
    parish: str | None = None,
) -> Household:
    household = Household(address=address, postal_code=postal_code, parish=parish)
    household.members.append(
        HouseholdMember(
            person_id=representative.id,
            relationship_to_representative=Relationship.REPRESENTATIVE,
        )
    )
    session.add(household)
    session.flush()
    return household


def add_member(
    session: Session, household: Household, person: Person, relationship: Relationship
) -> HouseholdMember:
    if any(m.person_id == person.id and m.left_on is None for m in household.members):
        raise PersonError(_("%(name)s já faz parte do agregado.", name=person.full_name))
    member = HouseholdMember(
        household_id=household.id, person_id=person.id, relationship_to_representative=relationship
    )
    session.add(member)
    session.flush()
    return member


def current_household(session: Session, person_id: int) -> Household | None:
    """The household the person lives in now (the latest they have not left), if any."""
    return session.scalar(
        select(Household)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(HouseholdMember.person_id == person_id, HouseholdMember.left_on.is_(None))
        .order_by(Household.id.desc())
        .limit(1)
    )


def person_households(session: Session, person_id: int) -> list[Household]:
    return list(
        session.scalars(
            select(Household)
            .join(HouseholdMember, HouseholdMember.household_id == Household.id)
            .where(HouseholdMember.person_id == person_id)
            .order_by(Household.id)
        )
    )
