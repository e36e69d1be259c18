"""The shape of the files under ``tenants/``: councils, consortia and shared catalogues."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from teia.accounts.models import TENANT_ROLES, Role

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=63)]
Country = Literal["PT", "BR"]
LOCALE_OF = {"PT": "pt_PT", "BR": "pt_BR"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HolidaySpec(_Strict):
    name: str = Field(min_length=1)
    date: str | None = Field(default=None, description="MM-DD of a fixed holiday")
    easter_offset: int | None = Field(default=None, ge=-70, le=70)

    @field_validator("date")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not re.fullmatch(r"\d{2}-\d{2}", value):
            raise ValueError("expected a month and day as MM-DD, e.g. 06-13")
        month, day = (int(p) for p in value.split("-"))
        try:
            date(2024, month, day)  # a leap year: 02-29 is a real (if rare) date
        except ValueError:
            raise ValueError(f"expected a real day of the year as MM-DD, got {value}") from None
        return value

    @model_validator(mode="after")
    def _one_rule(self) -> HolidaySpec:
        if (self.date is None) == (self.easter_offset is None):
            raise ValueError("give exactly one of 'date' (MM-DD) or 'easter_offset' (days)")
        return self

    def encoded(self) -> str:
        return self.date if self.date else f"easter+{self.easter_offset}"


class CaseManagementSpec(_Strict):
    """How a council runs case management: caseload target, retention, emergency access."""

    caseload_target: int = Field(
        default=50, ge=1, le=500, description="families per case manager (MAASIP R2)"
    )
    retention_years: int = Field(
        default=5, ge=1, le=50, description="years after closing before a case is anonymised"
    )
    audit_retention_years: int = Field(default=10, ge=1, le=50)
    break_glass_hours: int | None = Field(
        default=None, ge=1, le=72, description="emergency access by partners; absent: not allowed"
    )


class SecuritySpec(_Strict):
    """Sign-in rules of a council. Admins and coordinators always need a second factor."""

    require_two_factor: list[Role] = Field(
        default_factory=list, description="roles that must sign in with a second factor (TOTP)"
    )

    @field_validator("require_two_factor")
    @classmethod
    def _council_roles(cls, value: list[Role]) -> list[Role]:
        foreign = [r.value for r in value if r not in TENANT_ROLES]
        if foreign:
            raise ValueError(f"not a council role: {', '.join(foreign)}")
        return value


class TenantFile(_Strict):
    kind: Literal["tenant"]
    slug: Slug
    name: str = Field(min_length=1, max_length=120)
    official_name: str = Field(min_length=1, max_length=200)
    country: Country
    locale: Literal["pt_PT", "pt_BR"]
    official_code: str = Field(description="INE DTMN (4 digits) in PT, IBGE (7 digits) in BR")
    district: str = Field(min_length=1)
    region: str = Field(min_length=1)
    timezone: str
    municipal_holiday: HolidaySpec
    parishes: list[str] = Field(min_length=1)
    case_management: CaseManagementSpec = Field(default_factory=CaseManagementSpec)
    security: SecuritySpec = Field(default_factory=SecuritySpec)
    neighbours: list[Slug] = Field(
        default_factory=list, description="Teia councils that border this one"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError("expected an IANA time zone such as Europe/Lisbon")
        return value

    @field_validator("parishes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each parish must appear once")
        return value

    @model_validator(mode="after")
    def _country_rules(self) -> TenantFile:
        digits = 4 if self.country == "PT" else 7
        if not re.fullmatch(rf"\d{{{digits}}}", self.official_code):
            raise ValueError(f"official_code: expected {digits} digits for country {self.country}")
        if self.locale != LOCALE_OF[self.country]:
            raise ValueError(f"locale: expected {LOCALE_OF[self.country]} for {self.country}")
        return self


class ConsortiumFile(_Strict):
    kind: Literal["consortium"]
    slug: Slug
    name: str = Field(min_length=1, max_length=120)
    official_name: str = Field(min_length=1, max_length=200)
    country: Country
    # Teia councils; empty while a consortium's coordinators use only what crosses consortia
    # (the good-practice library) before its councils join.
    members: list[Slug] = Field(default_factory=list)
    all_member_councils: list[str] = Field(default_factory=list)


class CatalogEntrySpec(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=63)]
    countries: list[Country] = Field(min_length=1)
    label: dict[Literal["pt_PT", "pt_BR"], str]
    attributes: dict[str, int | bool | str] = Field(
        default_factory=dict, description="per-catalogue data, e.g. expected_stay_days"
    )

    @model_validator(mode="after")
    def _labels_for_countries(self) -> CatalogEntrySpec:
        missing = [LOCALE_OF[c] for c in self.countries if not self.label.get(LOCALE_OF[c])]
        if missing:
            raise ValueError(f"label: missing {', '.join(missing)} for countries {self.countries}")
        return self


class CatalogFile(_Strict):
    kind: Literal["catalog"]
    catalog: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    entries: list[CatalogEntrySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> CatalogFile:
        codes = [e.code for e in self.entries]
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        if duplicated:
            raise ValueError(f"entries: codes must be unique, repeated: {', '.join(duplicated)}")
        return self
