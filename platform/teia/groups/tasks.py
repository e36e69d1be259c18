"""Working groups' background work: reminders of tomorrow's meetings and of overdue action
items, each sent once (``GroupReminderSent``)."""

from __future__ import annotations
