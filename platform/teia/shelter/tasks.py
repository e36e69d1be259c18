"""The shelter pool's background work: offers that expire, and the daily warning signs of
each council's stays (through reminders)."""

from __future__ import annotations
