"""The fixed library of access conditions a regulation may declare, each with its params."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from teia.regulations.schema_types import Amount, Article, Code, HouseholdFlag, Strict


class Waiver(Strict):
    article: Article
    when: HouseholdFlag | Literal["always"]
    requires_justification: bool = True


class _ConditionBase(Strict):
    id: Code
    article: Article
    evidence: list[Code] = Field(default_factory=list)
    waiver: Waiver | None = None


class ResidenceParams(Strict):
    months: int = Field(ge=1, le=600)


class AgeParams(Strict):
    years: int = Field(ge=0, le=120)
    emancipation: bool = False


class DebtParams(Strict):
    allow_in_resolution: bool = True


class NoParams(Strict):
    pass


class AssetParams(Strict):
    amount: Amount


class MinimumResidence(_ConditionBase):
    kind: Literal["minimum_residence"]
    params: ResidenceParams


class MinimumAge(_ConditionBase):
    kind: Literal["minimum_age"]
    params: AgeParams


class NoDebtsToCouncil(_ConditionBase):
    kind: Literal["no_debts_to_council"]
    params: DebtParams = Field(default_factory=DebtParams)


class NoOtherSupportSamePurpose(_ConditionBase):
    kind: Literal["no_other_support_same_purpose"]
    params: NoParams = Field(default_factory=NoParams)


class EconomicNeed(_ConditionBase):
    kind: Literal["economic_need"]
    params: NoParams = Field(default_factory=NoParams)


class MaximumAssets(_ConditionBase):
    kind: Literal["maximum_assets"]
    params: AssetParams


Condition = Annotated[
    MinimumResidence
    | MinimumAge
    | NoDebtsToCouncil
    | NoOtherSupportSamePurpose
    | EconomicNeed
    | MaximumAssets,
    Field(discriminator="kind"),
]
