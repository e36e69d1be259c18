"""Send e-mail through SMTP, or write it to the local outbox when no relay is configured."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage

from flask import current_app

from teia.config import Settings
from teia.core.db import utcnow


def send_mail(to: str, subject: str, body: str) -> None:
    settings: Settings = current_app.config["TEIA_SETTINGS"]
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@teia>"
    message.set_content(body)
    if not settings.mail_server:
        outbox = settings.outbox_dir
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_bytes(bytes(message))
        return
    with smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=15) as smtp:
        if settings.mail_use_tls:
            smtp.starttls()
        if settings.mail_username:
            smtp.login(settings.mail_username, settings.mail_password)
        smtp.send_message(message)


TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)
# Celery options for every task that sends mail: a relay down for hours loses nothing.
MAIL_RETRY = {
    "autoretry_for": TRANSIENT_MAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "max_retries": 8,
}
