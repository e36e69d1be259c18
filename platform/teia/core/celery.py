"""Celery bound to Flask: every task runs in an app context and commits once at its end.

Tasks take ids, never ORM objects, and use the JSON serializer. A task declared with
``tenant_scoped=True`` takes the tenant id as its first argument and runs inside that
tenant's scope, so the ORM filter and PostgreSQL RLS apply to it as to a request.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from teia.core.db import db
from teia.core.tenancy import tenant_scope

BEAT_TIMEZONE = "Europe/Lisbon"  # the crontab hours below are Lisbon's
BEAT_SCHEDULE = {
    "dispatch-reminders": {
        "task": "teia.notifications.dispatch_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "requeue-unsent-emails": {
        "task": "teia.notifications.requeue_unsent_emails",
        "schedule": crontab(minute="7,37"),
    },
    "purge-expired-tokens": {
        "task": "teia.accounts.purge_expired_tokens",
        "schedule": crontab(hour=3, minute=30),
    },
    "anonymise-expired-cases": {
        "task": "teia.cases.anonymise_expired_cases",
        "schedule": crontab(hour=2, minute=30),
    },
    "flag-overdue-actions": {
        "task": "teia.cases.flag_overdue_actions",
        "schedule": crontab(hour=6, minute=0),
    },
    "application-deadlines": {
        "task": "teia.applications.run_deadlines",
        "schedule": crontab(hour=6, minute=15),
    },
    "expire-shelter-offers": {
        "task": "teia.shelter.expire_offers",
        "schedule": crontab(minute="*/5"),
    },
    "shelter-stay-warnings": {
        "task": "teia.shelter.stay_warnings",
        "schedule": crontab(hour=6, minute=30),
    },
    "notification-digests": {
        "task": "teia.notifications.send_digests",
        "schedule": crontab(minute=5),
    },
    "group-reminders": {
        "task": "teia.groups.reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    "monthly-reports": {
        "task": "teia.reports.schedule_monthly",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
}


def celery_init_app(app: Flask) -> Celery:
    class AppTask(Task):
        tenant_scoped = False

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                if self.tenant_scoped:
                    with tenant_scope(int(args[0])):
                        result = self.run(*args, **kwargs)
                        db.session.commit()
                else:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                return result

    settings = app.config["TEIA_SETTINGS"]
    celery = Celery(app.name, task_cls=AppTask)
    celery.conf.update(
        broker_url=settings.broker_url,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone=BEAT_TIMEZONE,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.instance_dir / "celerybeat-schedule"),
        task_always_eager=app.config.get("CELERY_TASK_ALWAYS_EAGER", False),
        task_eager_propagates=True,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
