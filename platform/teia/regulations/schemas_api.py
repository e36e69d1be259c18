"""What the regulations API reads and writes; the simulator page validates through the same
models, so the page and the API accept exactly the same households."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from teia.core.api import ApiModel, UtcDateTime
from teia.regulations.facts import (
    DocumentRequirement,
    Evaluation,
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    RequestItem,
    SupportRequest,
)

Amount = Annotated[Decimal, Field(ge=0, le=Decimal("9999999.99"), decimal_places=2)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=63)]

# --- simulate -------------------------------------------------------------------------------


class MemberIn(ApiModel):
    age: int = Field(ge=0, le=130)
    relationship: str = Field(min_length=1, max_length=40)
    applicant: bool = False
    disabled: bool = False
    dependent: bool = False
    emancipated: bool = False
    unemployed: bool = False


class IncomeIn(ApiModel):
    source: Code
    amount: Amount
    period: Literal["monthly", "annual"] = "monthly"


class ExpenseIn(ApiModel):
    kind: Code
    monthly_amount: Amount


class HouseholdIn(ApiModel):
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    incomes: list[IncomeIn] = Field(default_factory=list, max_length=60)
    expenses: list[ExpenseIn] = Field(default_factory=list, max_length=60)
    residence_months: int | None = Field(None, ge=0, le=1500)
    debts_to_council: Literal["none", "in_resolution", "owing"] | None = None
    other_support_same_purpose: bool | None = None
    social_emergency: bool = False
    assets: Amount | None = None

    def snapshot(self) -> HouseholdSnapshot:
        return HouseholdSnapshot(
            members=tuple(Member(**m.model_dump()) for m in self.members),
            incomes=tuple(Income(i.source, i.amount, i.period) for i in self.incomes),
            expenses=tuple(Expense(e.kind, e.monthly_amount) for e in self.expenses),
            residence_months=self.residence_months,
            debts_to_council=self.debts_to_council,
            other_support_same_purpose=self.other_support_same_purpose,
            social_emergency=self.social_emergency,
            assets=self.assets,
        )


class ItemIn(ApiModel):
    support_type: Code
    amount: Amount | None = None
    quotes: list[Amount] = Field(default_factory=list, max_length=10)
    units: int | None = Field(None, ge=1, le=366)


class RequestIn(ApiModel):
    items: list[ItemIn] = Field(min_length=1, max_length=20)
    waivers: dict[Code, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, description="Condição dispensada → justificação"
    )
    evidence: list[Code] = Field(
        default_factory=list, description="Códigos dos documentos já entregues"
    )
    paid_this_year: dict[Code, Amount] = Field(
        default_factory=dict, description="Já pago ao agregado este ano, por tipo de apoio"
    )
    payment_method: Literal["bank_transfer", "cash", "supplier"] | None = None

    def support_request(self) -> SupportRequest:
        return SupportRequest(
            items=tuple(
                RequestItem(i.support_type, i.amount, tuple(i.quotes), i.units) for i in self.items
            ),
            waivers=dict(self.waivers),
            evidence=frozenset(self.evidence),
            paid_this_year=dict(self.paid_this_year),
            payment_method=self.payment_method,
        )


class SimulationIn(ApiModel):
    household: HouseholdIn
    request: RequestIn
    on: date | None = Field(None, description="A data do pedido (hoje, se omitida)")


# --- answers --------------------------------------------------------------------------------


class Publication(ApiModel):
    journal: str
    series: str | None = None
    number: str
    date: date
    url: str | None = None


class VersionSummary(ApiModel):
    id: int
    effective_from: date
    label: str
    title: str
    publication: Publication
    source_hash: str
    loaded_at: UtcDateTime
    in_force: bool = Field(description="Em vigor hoje")


class VersionList(ApiModel):
    versions: list[VersionSummary]


class VersionDetail(VersionSummary):
    document: dict[str, Any] = Field(description="O regulamento tal como foi carregado")


class SimulationOut(ApiModel):
    version: VersionSummary
    evaluation: Evaluation
    documents: list[DocumentRequirement]
