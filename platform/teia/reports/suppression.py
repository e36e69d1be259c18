"""Which cells of a released table to hide so that no one of 1 to 4 people can be recognised.

Three rules, applied until nothing changes:

1. *primary*: a count of people (or of what stands for them: cases, households, applications,
   referrals, stays) between 1 and 4 is hidden;
2. *resting on*: a figure computed from a count (an amount, a median, a rate) is hidden when
   that count is;
3. *complementary*: where a total is the sum of its parts (people by age band, cases by
   parish, amounts by support type), one hidden member could be worked out from the others, so
   while exactly one member of such a sum is hidden, the smallest part that is not zero is
   hidden too (the total itself when every other part is zero).

The cells of one territory are protected by its own sums; a consortium's cell, the sum of its
councils', is hidden whenever one of them is (:func:`hidden_with_parts`), so publishing it tells
nothing a council's own release did not.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

SMALL = range(1, 5)  # fewer than 5 people: hidden

K = TypeVar("K", bound=Hashable)
Value = int | Decimal | float | None


@dataclass(frozen=True)
class Sum(Generic[K]):
    """``total`` is the sum of ``parts`` (cells absent from the table are left out)."""

    total: K
    parts: tuple[K, ...]


def suppress(
    values: Mapping[K, Value],
    *,
    people: Iterable[K],
    rests_on: Mapping[K, K],
    sums: Sequence[Sum[K]],
    hidden: Iterable[K] = (),
) -> set[K]:
    """The cells of ``values`` to hide: ``people`` are the counts of people, ``rests_on`` maps
    a derived cell to the count it is computed from, ``sums`` are the additive relations and
    ``hidden`` what is hidden already (for another reason)."""
    out = set(hidden) | {k for k in people if _small(values.get(k))}
    changed = True
    while changed:
        changed = False
        for cell, base in rests_on.items():
            if base in out and cell not in out and cell in values:
                out.add(cell)
                changed = True
        for relation in sums:
            members = [k for k in (relation.total, *relation.parts) if k in values]
            if sum(k in out for k in members) != 1:
                continue
            complement = _complement(values, relation, out)
            if complement is not None:
                out.add(complement)
                changed = True
    return out


def hidden_with_parts(combined: Iterable[K], parts_hidden: Iterable[set[K]]) -> set[K]:
    """The cells of a sum of tables (a consortium's) hidden because a part's cell is."""
    wanted = set(combined)
    out: set[K] = set()
    for hidden in parts_hidden:
        out |= hidden & wanted
    return out


def _small(value: Value) -> bool:
    return isinstance(value, int) and value in SMALL


def _complement(values: Mapping[K, Value], relation: Sum[K], hidden: set[K]) -> K | None:
    """The smallest visible part that is not zero; the total when there is none."""
    candidates = [
        k for k in relation.parts if k in values and k not in hidden and (values[k] or 0) > 0
    ]
    if candidates:
        return min(candidates, key=lambda k: values[k] or 0)
    if relation.total in values and relation.total not in hidden:
        return relation.total
    return None
