"""The household's composition as a regulation sees it: adults, minors, weighted members and
the flags (minors, elderly, disabled, ...) that raise caps, allow waivers or mark priority."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from teia.regulations.facts import HouseholdSnapshot
from teia.regulations.schema import HouseholdSpec, MemberWeights


@dataclass(frozen=True, slots=True)
class Composition:
    members: int
    adults: int
    minors: int
    weighted_members: Decimal
    counts: dict[str, int]  # household flag -> members (or 1/0 for household-wide flags)

    def has(self, flag: str) -> bool:
        return flag == "always" or self.counts.get(flag, 0) > 0


def composition(
    household: HouseholdSnapshot, spec: HouseholdSpec, weights: MemberWeights
) -> Composition:
    adults = minors = elderly = disabled = dependent = unemployed = 0
    for member in household.members:
        if member.age >= spec.adult_age:
            adults += 1
        else:
            minors += 1
        if member.age >= spec.elderly_age:
            elderly += 1
        disabled += member.disabled
        dependent += member.dependent
        unemployed += member.unemployed
    if adults:
        weighted = weights.first_adult + weights.other_adult * (adults - 1)
        weighted += weights.minor * minors
    else:  # a household of minors only: the eldest stands as the first member
        weighted = weights.first_adult + weights.minor * (minors - 1)
    counts = {
        "has_minors": minors,
        "has_elderly": elderly,
        "has_disabled": disabled,
        "has_dependent": dependent,
        "unemployed_member": unemployed,
        "single_adult_with_minors": int(adults == 1 and minors > 0),
        "social_emergency": int(household.social_emergency),
    }
    return Composition(len(household.members), adults, minors, weighted, counts)
