"""Secrets kept at rest (identity-provider client secrets, TOTP seeds): Fernet-encrypted.

The key is derived from the application's secret key (``TEIA_SECRET_KEY``) with HKDF, so no
second secret has to be managed; rotating ``TEIA_SECRET_KEY`` makes stored values unreadable,
which ``decrypt`` reports as ``SecretUnreadable``.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

INFO = b"teia-secrets-v1"


class SecretUnreadable(ValueError):
    """The value was not encrypted with the current secret key (or was altered)."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    if not secret:
        raise RuntimeError("SECRET_KEY is empty: secrets cannot be encrypted")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
        secret.encode() if isinstance(secret, str) else secret
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(str(exc) or "invalid token") from exc
