"""What the people API reads and writes: the OpenAPI document's schemas are these models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from teia.cases.models import CaseStatus
from teia.core.api import ApiModel, UtcDateTime
from teia.people.models import DocumentKind


class PersonQuery(ApiModel):
    q: str = Field("", max_length=100, description="Nome, NIF, NISS, n.º SNS ou data de nascimento")


class PersonSummary(ApiModel):
    id: int
    given_names: str
    family_names: str
    birth_date: date | None
    nif: str | None
    niss: str | None
    sns: str | None


class PersonList(ApiModel):
    persons: list[PersonSummary]


class PersonIn(ApiModel):
    """A person to record; identifiers are checked (NIF and NISS check digits)."""

    given_names: str = Field(max_length=120)
    family_names: str = Field(max_length=120)
    birth_date: date | None = None
    sex: Literal["F", "M", "X"] | None = None
    nif: str | None = Field(None, max_length=15)
    niss: str | None = Field(None, max_length=15)
    sns: str | None = Field(None, max_length=15)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    # The household a new person starts (as its representative).
    address: str | None = Field(None, max_length=250)
    postal_code: str | None = Field(None, max_length=10)
    parish: str | None = Field(None, max_length=120)
    not_a_duplicate: bool = Field(
        False, description="Confirma que não é nenhuma das pessoas parecidas já registadas"
    )


class DuplicatesOut(ApiModel):
    """409: people already recorded who may be this one; repeat with ``not_a_duplicate``."""

    error: Literal["possible_duplicates"]
    status: Literal[409]
    message: str
    duplicates: list[PersonSummary]


class DocumentOut(ApiModel):
    id: int
    kind: DocumentKind
    number: str
    valid_until: date | None


class HouseholdOut(ApiModel):
    id: int
    address: str | None
    postal_code: str | None
    parish: str | None


class CaseRef(ApiModel):
    id: int
    number: str
    status: CaseStatus


class ConsentIn(ApiModel):
    given_by: str = Field(max_length=200, description="A pessoa ou o seu representante legal")
    given_on: date
    scope: str = Field(max_length=2000)
    valid_until: date | None = None


class ConsentOut(ApiModel):
    id: int
    person_id: int
    given_by: str
    given_on: date
    scope: str
    valid_until: date | None
    revoked_at: UtcDateTime | None


class PersonDetail(PersonSummary):
    sex: str | None
    phone: str | None
    email: str | None
    merged_into_id: int | None
    created_at: UtcDateTime
    documents: list[DocumentOut]
    households: list[HouseholdOut]
    cases: list[CaseRef]
    consents: list[ConsentOut]
