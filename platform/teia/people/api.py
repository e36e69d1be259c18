"""JSON API for people: search, record, read (audited), and likely duplicates.

The same services and the same rules as the pages: a partner finds only the people of cases
whose identification is shared with it, and reads no one's record here (404).
"""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from teia.cases import sharing
from teia.cases.access import current_staff, current_viewer
from teia.cases.api import staff_viewer
from teia.cases.models import Consent
from teia.cases.services import CaseError, cases_of_person
from teia.core.api import (
    FieldError,
    api_blueprint,
    idempotency_key,
    invalid,
    json_body,
    query_args,
    rejected,
    respond,
)
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_tenant
from teia.people import services
from teia.people.models import Person
from teia.people.schemas_api import (
    ConsentIn,
    ConsentOut,
    DuplicatesOut,
    PersonDetail,
    PersonIn,
    PersonList,
    PersonQuery,
    PersonSummary,
)
from teia.people.services import PersonData, PersonError

bp = api_blueprint("people_api", __name__)
TAGS = ["people"]


def _person(person_id: int) -> Person:
    current_staff()
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.get("/t/<tenant>/persons")
@documented(
    "Procurar pessoas (um parceiro só encontra as de processos com identificação partilhada)",
    tags=TAGS,
    query=PersonQuery,
    response=PersonList,
    scope="persons:read",
)
def search():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    query = query_args(PersonQuery).q.strip()
    results = services.search_persons(db.session, viewer, query) if query else []
    return respond(PersonList, {"persons": results})


@bp.post("/t/<tenant>/persons")
@documented(
    "Registar uma pessoa (e o seu agregado)",
    tags=TAGS,
    body=PersonIn,
    response=PersonSummary,
    status=201,
    idempotent=True,
    more=[(409, "Pessoas parecidas já registadas", DuplicatesOut)],
    scope="persons:write",
)
def create():  # type: ignore[no-untyped-def]
    staff_viewer()
    data = json_body(PersonIn)
    key = idempotency_key()
    if data.parish and data.parish not in current_tenant().parishes:
        return invalid([FieldError(field="parish", message=_("Freguesia desconhecida."))])
    household = {"address": data.address, "postal_code": data.postal_code, "parish": data.parish}
    try:
        cleaned = PersonData(**data.model_dump(exclude={*household, "not_a_duplicate"})).cleaned()
        duplicates = [
            p
            for p in services.likely_duplicates(db.session, cleaned)
            if key is None or p.submission_key != key
        ]
        if duplicates and not data.not_a_duplicate:
            message = _("Já há pessoas parecidas registadas; confirme que é outra pessoa.")
            body = {"error": "possible_duplicates", "status": 409, "message": message}
            return respond(DuplicatesOut, {**body, "duplicates": duplicates}, 409)
        person, created = services.create_person(
            db.session, cleaned, actor_id=current_user.id, submission_key=key
        )
    except PersonError as exc:
        return rejected(exc)
    if created:
        services.new_household(db.session, person, **household)
    return respond(PersonSummary, person, 201 if created else 200)


@bp.get("/t/<tenant>/persons/<int:person_id>")
@documented(
    "O registo de uma pessoa (leitura auditada; só a equipa do município)",
    tags=TAGS,
    response=PersonDetail,
    scope="persons:read",
)
def show(person_id: int):  # type: ignore[no-untyped-def]
    person = _person(person_id)
    services.audit_person_read(db.session, person.id)
    record = {
        **PersonSummary.model_validate(person).model_dump(),
        **{k: getattr(person, k) for k in ("sex", "phone", "email", "merged_into_id")},
        "created_at": person.created_at,
        "documents": person.documents,
        "households": services.person_households(db.session, person.id),
        "cases": cases_of_person(db.session, person.id),
        "consents": sharing.person_consents(db.session, {person.id}),
    }
    return respond(PersonDetail, record)


@bp.get("/t/<tenant>/persons/<int:person_id>/duplicates")
@documented(
    "Pessoas registadas que podem ser esta (para fundir)",
    tags=TAGS,
    response=PersonList,
    scope="persons:read",
)
def duplicates(person_id: int):  # type: ignore[no-untyped-def]
    person = _person(person_id)
    data = PersonData(**{k: getattr(person, k) for k in services.RECTIFIABLE})
    found = [p for p in services.likely_duplicates(db.session, data) if p.id != person.id]
    services.audit_person_read(db.session, person.id, {"duplicates": [p.id for p in found]})
    return respond(PersonList, {"persons": found})


@bp.post("/t/<tenant>/persons/<int:person_id>/consents")
@documented(
    "Registar o consentimento de uma pessoa para partilhar os seus dados",
    tags=["sharing"],
    body=ConsentIn,
    response=ConsentOut,
    status=201,
    scope="persons:write",
)
def add_consent(person_id: int):  # type: ignore[no-untyped-def]
    person = _person(person_id)
    data = json_body(ConsentIn)
    try:
        consent = sharing.record_consent(
            db.session,
            person_id=person.id,
            given_by=data.given_by,
            given_on=data.given_on,
            scope=data.scope,
            valid_until=data.valid_until,
            actor_id=current_user.id,
        )
    except CaseError as exc:
        return rejected(exc)
    return respond(ConsentOut, consent, 201)


@bp.post("/t/<tenant>/consents/<int:consent_id>/revoke")
@documented(
    "Revogar um consentimento: as partilhas que nele assentam terminam no mesmo instante",
    tags=["sharing"],
    response=ConsentOut,
    scope="persons:write",
)
def revoke_consent(consent_id: int):  # type: ignore[no-untyped-def]
    viewer = current_staff()
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        abort(404)
    try:
        sharing.revoke_consent(db.session, consent, actor_id=viewer.user_id)
    except CaseError as exc:
        return rejected(exc)
    return respond(ConsentOut, consent)
