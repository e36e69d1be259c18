"""Working days for deadlines: weekends, national holidays and the council's own holiday.

National holidays come from the ``holidays`` package (the public ones only: Portugal's
optional Carnival is not a day off by law), by the council's country; the municipal holiday
comes from the council's file.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

from teia.tenants.models import Tenant

SATURDAY = 5


@cache
def national_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of ``country`` (``PT`` or ``BR``) in ``year``, computed once."""
    found = holidays.country_holidays(country, years=year, categories=(holidays.PUBLIC,))
    return frozenset(found)


def is_working_day(tenant: Tenant, day: date) -> bool:
    """Not a weekend, a national holiday of the council's country, or its municipal holiday."""
    if day.weekday() >= SATURDAY:
        return False
    if day in national_holidays(tenant.country, day.year):
        return False
    return day != tenant.municipal_holiday_in(day.year)


def add_working_days(tenant: Tenant, start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (the notification date, which does not count)."""
    if n < 1:
        raise ValueError("a deadline counts at least one working day")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(tenant, day):
            counted += 1
    return day
