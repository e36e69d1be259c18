"""Working-day deadlines: counted from the day after the notification, skipping weekends,
national holidays and the council's own holiday (real 2026 calendars)."""

from __future__ import annotations

from datetime import date

import pytest

from teia.regulations.workdays import add_working_days, is_working_day, national_holidays
from teia.tenants.models import Tenant

MOURAO = Tenant(slug="mourao", country="PT", municipal_holiday="02-02")  # Candeias
PORTEL = Tenant(slug="portel", country="PT", municipal_holiday="easter+1")  # Easter Monday
SAO_PAULO = Tenant(slug="sao-paulo", country="BR", municipal_holiday="01-25")


def test_ten_working_days_over_christmas_and_new_year() -> None:
    # Friday 18 December 2026: 21-24 (4), Christmas on Friday, 28-31 (8), New Year's Day on
    # Friday 1 January 2027, then Monday 4 (9) and Tuesday 5 (10).
    assert add_working_days(MOURAO, date(2026, 12, 18), 10) == date(2027, 1, 5)


def test_the_notification_day_itself_does_not_count() -> None:
    assert add_working_days(MOURAO, date(2026, 12, 21), 1) == date(2026, 12, 22)
    # A notification on a Saturday: Monday is the first day.
    assert add_working_days(MOURAO, date(2026, 12, 19), 1) == date(2026, 12, 21)


def test_each_council_skips_only_its_own_municipal_holiday() -> None:
    # Monday 2 February 2026 is Mourão's holiday, not Portel's.
    assert add_working_days(MOURAO, date(2026, 1, 30), 1) == date(2026, 2, 3)
    assert add_working_days(PORTEL, date(2026, 1, 30), 1) == date(2026, 2, 2)
    # Good Friday 3 April is national; Easter Monday 6 April is Portel's alone.
    assert add_working_days(MOURAO, date(2026, 4, 2), 1) == date(2026, 4, 6)
    assert add_working_days(PORTEL, date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_optional_portuguese_days_are_working_days() -> None:
    # Carnival (Tuesday 17 February) and Christmas Eve are days off by custom, not by law.
    assert is_working_day(MOURAO, date(2026, 2, 17))
    assert is_working_day(MOURAO, date(2026, 12, 24))
    assert not is_working_day(MOURAO, date(2026, 12, 8))  # Immaculate Conception
    assert not is_working_day(MOURAO, date(2026, 6, 4))  # Corpus Christi


def test_thirty_working_days_for_the_employment_centre_proof() -> None:
    # From Monday 1 June 2026: 4 June (Corpus Christi) and 10 June (Portugal Day) are holidays.
    assert add_working_days(MOURAO, date(2026, 6, 1), 30) == date(2026, 7, 15)


def test_brazilian_councils_use_brazils_national_holidays() -> None:
    assert not is_working_day(SAO_PAULO, date(2026, 11, 20))  # Consciência Negra
    assert is_working_day(MOURAO, date(2026, 11, 20))
    assert is_working_day(SAO_PAULO, date(2026, 12, 8))
    assert not is_working_day(SAO_PAULO, date(2027, 1, 25))  # the city's own day, a Monday
    assert add_working_days(SAO_PAULO, date(2026, 4, 20), 1) == date(2026, 4, 22)  # Tiradentes


def test_holiday_sets_are_computed_once_per_country_and_year() -> None:
    assert national_holidays("PT", 2026) is national_holidays("PT", 2026)
    assert date(2026, 12, 25) in national_holidays("PT", 2026)


def test_a_deadline_counts_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        add_working_days(MOURAO, date(2026, 12, 18), 0)
