"""The transparent ranking of a consortium's shelter units for one placement profile.

Pure functions over frozen dataclasses: no Flask, no database (``allocation.py`` loads the
facts in aggregate queries). Every unit of the pool is either a **candidate**, with the rules
and points behind its position, or **excluded**, with every hard rule it fails.

Hard adequacy (each failure is an exclusion reason, in this order):

- ``public``: no active place of the requested public in this pool;
- ``inactive``: the unit is inactive;
- ``age``: the requested public's ages (catalogue) do not admit the person's age;
- ``sex``: a female-only unit takes F, a male-only unit takes M, X goes only to mixed units;
- ``accessibility`` / ``intensive_care``: needed and not offered by the unit;
- ``modality``: the request names modalities and the unit's is not one of them;
- ``safety``: with the safety flag, units hosted in the anchor council or in the requesting
  council are out ("fora do território, por segurança");
- ``quota``: the only free places of the public are reserved for another council;
- ``no_free_place``: every place of the public is held or blocked.

Score (documented points, shown beside each position):

- territoriality relative to the anchor council (where school, health and family are):
  same council +100, neighbour +50, rest of the consortium +10; with the safety flag the order
  is reversed: rest of the consortium +100, neighbour +50 (same council excluded);
- +10 when a place reserved for the requesting council (its quota) can be used.

Ties: more free places first, then the unit's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Protocol


class Tier(StrEnum):
    SAME = "same_council"
    NEIGHBOUR = "neighbour"
    REST = "rest"


# Rule codes shown beside a position (labels in labels.RANK_RULE).
SAME_COUNCIL = "same_council"
NEIGHBOUR = "neighbour"
REST = "rest"
SAFETY_REST = "safety_rest"
SAFETY_NEIGHBOUR = "safety_neighbour"
OWN_QUOTA = "own_quota"

POINTS = {
    SAME_COUNCIL: 100,
    NEIGHBOUR: 50,
    REST: 10,
    SAFETY_REST: 100,
    SAFETY_NEIGHBOUR: 50,
    OWN_QUOTA: 10,
}

# Exclusion reasons, in the order they are checked and summarised (labels.EXCLUSION_REASON).
INACTIVE = "inactive"
AGE = "age"
PUBLIC = "public"
SEX = "sex"
ACCESSIBILITY = "accessibility"
INTENSIVE_CARE = "intensive_care"
MODALITY = "modality"
SAFETY = "safety"
QUOTA = "quota"
NO_FREE_PLACE = "no_free_place"
REASONS = (
    PUBLIC,
    INACTIVE,
    AGE,
    SEX,
    ACCESSIBILITY,
    INTENSIVE_CARE,
    MODALITY,
    SAFETY,
    QUOTA,
    NO_FREE_PLACE,
)


class AgeBand(Protocol):
    """A public's ages (``catalog.Public`` is one)."""

    def admits_age(self, age: int) -> bool: ...


@dataclass(frozen=True)
class Need:
    """The placement profile as the ranking reads it."""

    age: int
    sex: str  # F, M or X
    public: str
    requesting_tenant_id: int
    anchor_tenant_id: int
    modalities: frozenset[str] = frozenset()  # empty: any
    needs_accessibility: bool = False
    needs_intensive_care: bool = False
    outside_territory: bool = False  # the safety flag


class Supply(NamedTuple):
    """One unit of the pool, its active pool places of the need's public counted (a named
    tuple: a query's rows become these by the thousand)."""

    unit_id: int
    name: str
    host_tenant_id: int
    modality: str
    sex_rule: str  # any, female, male
    accessible: bool
    intensive_care: bool
    active: bool
    places: int  # active places of the public in this pool, whatever their state
    free_open: int  # free (neither held nor blocked), not reserved for any council
    free_own_quota: int  # free, reserved for the requesting council
    free_other_quota: int  # free, reserved for another council


@dataclass(frozen=True)
class Territory:
    """Which councils border which (symmetric: either listing the other is enough)."""

    neighbours: Mapping[int, frozenset[int]]

    @classmethod
    def from_slugs(cls, councils: Iterable[tuple[int, str, Iterable[str]]]) -> Territory:
        """From ``(id, slug, neighbour slugs)`` of each council."""
        rows = list(councils)
        ids = {slug: tenant_id for tenant_id, slug, _n in rows}
        pairs: dict[int, set[int]] = {tenant_id: set() for tenant_id, _s, _n in rows}
        for tenant_id, _slug, listed in rows:
            for other in listed:
                other_id = ids.get(other)
                if other_id is not None and other_id != tenant_id:
                    pairs[tenant_id].add(other_id)
                    pairs[other_id].add(tenant_id)
        return cls({k: frozenset(v) for k, v in pairs.items()})

    def tier(self, anchor: int, host: int) -> Tier:
        if host == anchor:
            return Tier.SAME
        if host in self.neighbours.get(anchor, frozenset()):
            return Tier.NEIGHBOUR
        return Tier.REST


class Rule(NamedTuple):
    code: str
    points: int


class Candidate(NamedTuple):
    supply: Supply
    position: int  # 1 = first
    tier: Tier
    rules: tuple[Rule, ...]
    score: int

    @property
    def free(self) -> int:
        """Free places this request may take (open ones and its council's quota)."""
        return self.supply.free_open + self.supply.free_own_quota

    def explanation(self, candidates: int) -> dict[str, Any]:
        """What an offer stores and the log shows: position, score, rules, tier."""
        return {
            "position": self.position,
            "candidates": candidates,
            "score": self.score,
            "tier": str(self.tier),
            "rules": [{"code": r.code, "points": r.points} for r in self.rules],
            "free": self.free,
            "unit": self.supply.name,
        }


class Excluded(NamedTuple):
    supply: Supply
    reasons: tuple[str, ...]  # every hard rule failed, in REASONS order


@dataclass(frozen=True)
class Ranking:
    candidates: tuple[Candidate, ...]
    excluded: tuple[Excluded, ...]
    # Units of the pool without a place of the public that were counted but not passed in
    # (a page lists a few of the many): excluded for ``public``, their first reason.
    unlisted: int = 0
    _by_unit: dict[int, Candidate] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_unit", {c.supply.unit_id: c for c in self.candidates})

    def candidate(self, unit_id: int) -> Candidate | None:
        return self._by_unit.get(unit_id)

    @property
    def excluded_count(self) -> int:
        return len(self.excluded) + self.unlisted

    def by_reason(self) -> list[tuple[str, list[Excluded], int]]:
        """Excluded units grouped by their first reason, in the order of ``REASONS``: the
        reason, the units listed, and how many units it excludes."""
        groups: dict[str, list[Excluded]] = {}
        for item in self.excluded:
            groups.setdefault(item.reasons[0], []).append(item)
        if self.unlisted:
            groups.setdefault(PUBLIC, [])
        return [
            (
                reason,
                groups[reason],
                len(groups[reason]) + (self.unlisted if reason == PUBLIC else 0),
            )
            for reason in REASONS
            if reason in groups
        ]


def exclusions(need: Need, supply: Supply, *, age_admitted: bool) -> tuple[str, ...]:
    """Every hard rule ``supply`` fails for ``need`` (empty: an adequate unit with room)."""
    failed: list[str] = []
    if supply.places == 0:
        failed.append(PUBLIC)
    if not supply.active:
        failed.append(INACTIVE)
    if not age_admitted:
        failed.append(AGE)
    if not sex_admitted(supply.sex_rule, need.sex):
        failed.append(SEX)
    if need.needs_accessibility and not supply.accessible:
        failed.append(ACCESSIBILITY)
    if need.needs_intensive_care and not supply.intensive_care:
        failed.append(INTENSIVE_CARE)
    if need.modalities and supply.modality not in need.modalities:
        failed.append(MODALITY)
    if need.outside_territory and supply.host_tenant_id in (
        need.anchor_tenant_id,
        need.requesting_tenant_id,
    ):
        failed.append(SAFETY)
    if supply.places and not supply.free_open + supply.free_own_quota:
        failed.append(QUOTA if supply.free_other_quota else NO_FREE_PLACE)
    return tuple(failed)


def sex_admitted(sex_rule: str, sex: str) -> bool:
    """Female-only units take F, male-only units take M; X goes only to mixed units."""
    if sex_rule == "female":
        return sex == "F"
    if sex_rule == "male":
        return sex == "M"
    return True


def rules_for(need: Need, supply: Supply, territory: Territory) -> tuple[Tier, tuple[Rule, ...]]:
    """The territoriality tier and the rules (with points) that score an adequate unit."""
    tier = territory.tier(need.anchor_tenant_id, supply.host_tenant_id)
    if need.outside_territory:
        code = {Tier.NEIGHBOUR: SAFETY_NEIGHBOUR}.get(tier, SAFETY_REST)
    else:
        code = {Tier.SAME: SAME_COUNCIL, Tier.NEIGHBOUR: NEIGHBOUR}.get(tier, REST)
    rules = [Rule(code, POINTS[code])]
    if supply.free_own_quota:
        rules.append(Rule(OWN_QUOTA, POINTS[OWN_QUOTA]))
    return tier, tuple(rules)


def rank(
    need: Need,
    supplies: Iterable[Supply],
    *,
    public: AgeBand | None,
    territory: Territory,
    unlisted: int = 0,
) -> Ranking:
    """Candidates best first (score, then more free places, then name) and the excluded.

    ``public`` is the catalogue entry of the need's public (None: not in the catalogue,
    which no place can serve); ``unlisted``: units of the pool without a place of the public
    that the caller counted but did not pass.
    """
    age_admitted = public is not None and public.admits_age(need.age)
    scored: list[tuple[Supply, Tier, tuple[Rule, ...]]] = []
    excluded: list[Excluded] = []
    for supply in supplies:
        failed = exclusions(need, supply, age_admitted=age_admitted)
        if failed:
            excluded.append(Excluded(supply, failed))
            continue
        tier, rules = rules_for(need, supply, territory)
        scored.append((supply, tier, rules))
    scored.sort(
        key=lambda s: (
            -sum(r.points for r in s[2]),
            -(s[0].free_open + s[0].free_own_quota),
            s[0].name.casefold(),
            s[0].unit_id,
        )
    )
    candidates = tuple(
        Candidate(supply, n, tier, rules, sum(r.points for r in rules))
        for n, (supply, tier, rules) in enumerate(scored, start=1)
    )
    excluded.sort(key=lambda e: (e.supply.name.casefold(), e.supply.unit_id))
    return Ranking(candidates, tuple(excluded), unlisted)
