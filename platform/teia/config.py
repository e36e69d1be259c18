"""Settings read from the environment, with embedded defaults that need no services."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(RuntimeError):
    """The environment does not describe a deployment that may start."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _instance_dir() -> Path:
    return Path(_env("TEIA_INSTANCE_DIR", str(REPO_ROOT / "instance")))


@dataclass
class Settings:
    """Everything the app reads at start, as plain values (see README, "Configuration")."""

    env: str = "development"
    secret_key: str = ""
    database_url: str = ""
    broker_url: str = ""
    redis_url: str = ""
    instance_dir: Path = field(default_factory=_instance_dir)
    mail_server: str = ""
    mail_port: int = 25
    mail_username: str = ""
    mail_password: str = ""
    mail_use_tls: bool = False
    mail_sender: str = "Teia <nao-responder@teia.local>"
    base_url: str = "http://127.0.0.1:5000"
    proxy_hops: int = 0
    tenants_dir: Path = field(default_factory=lambda: REPO_ROOT / "tenants")
    # Uploaded documents: on disk under ``uploads_dir`` (default ``instance/uploads``), or in an
    # S3-compatible bucket when ``s3_bucket`` is set.
    uploads_dir: Path | None = None
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    session_idle_minutes: int = 30
    session_max_hours: int = 12

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def outbox_dir(self) -> Path:
        return self.instance_dir / "outbox"

    @property
    def upload_root(self) -> Path:
        return self.uploads_dir or self.instance_dir / "uploads"

    @classmethod
    def from_env(cls) -> Settings:
        env = _env("TEIA_ENV", "development") or "development"
        instance = _instance_dir()
        settings = cls(
            env=env,
            secret_key=_env("TEIA_SECRET_KEY", "") or "",
            database_url=_env("TEIA_DATABASE_URL", "") or "",
            broker_url=_env("TEIA_BROKER_URL", "") or "",
            redis_url=_env("TEIA_REDIS_URL", "") or "",
            instance_dir=instance,
            mail_server=_env("TEIA_MAIL_SERVER", "") or "",
            mail_port=int(_env("TEIA_MAIL_PORT", "25") or 25),
            mail_username=_env("TEIA_MAIL_USERNAME", "") or "",
            mail_password=_env("TEIA_MAIL_PASSWORD", "") or "",
            mail_use_tls=(_env("TEIA_MAIL_USE_TLS", "0") or "0").lower() in ("1", "true", "yes"),
            mail_sender=_env("TEIA_MAIL_SENDER", cls.mail_sender) or cls.mail_sender,
            base_url=(_env("TEIA_BASE_URL", cls.base_url) or cls.base_url).rstrip("/"),
            tenants_dir=Path(_env("TEIA_TENANTS_DIR", str(REPO_ROOT / "tenants"))),
            proxy_hops=int(_env("TEIA_PROXY_HOPS", "0") or 0),
            uploads_dir=Path(uploads) if (uploads := _env("TEIA_UPLOADS_DIR")) else None,
            s3_bucket=_env("TEIA_S3_BUCKET", "") or "",
            s3_endpoint_url=_env("TEIA_S3_ENDPOINT_URL", "") or "",
            s3_region=_env("TEIA_S3_REGION", "") or "",
            s3_access_key_id=_env("TEIA_S3_ACCESS_KEY_ID", "") or "",
            s3_secret_access_key=_env("TEIA_S3_SECRET_ACCESS_KEY", "") or "",
            session_idle_minutes=int(_env("TEIA_SESSION_IDLE_MINUTES", "30") or 30),
            session_max_hours=int(_env("TEIA_SESSION_MAX_HOURS", "12") or 12),
        )
        settings.validate()
        settings.apply_embedded_defaults()
        return settings

    def validate(self) -> None:
        """Production refuses to start on embedded defaults; say exactly what is missing."""
        if not self.production:
            return
        missing = []
        if len(self.secret_key) < 32:
            missing.append("TEIA_SECRET_KEY (a random value of at least 32 characters)")
        if not self.database_url.startswith("postgresql"):
            missing.append("TEIA_DATABASE_URL (a postgresql+psycopg:// URL)")
        if not self.broker_url:
            missing.append("TEIA_BROKER_URL (e.g. redis://host:6379/0)")
        if not self.redis_url:
            missing.append("TEIA_REDIS_URL (rate limits and login lockout store)")
        if missing:
            raise ConfigError(
                "TEIA_ENV=production but these settings are missing or unsafe: "
                + "; ".join(missing)
            )

    def apply_embedded_defaults(self) -> None:
        """Fill what a laptop run leaves empty: SQLite, the SQLAlchemy broker, a dev secret."""
        if self.production:
            return
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.instance_dir / 'teia.sqlite'}"
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.instance_dir / 'broker.sqlite'}"
        if not self.secret_key:
            self.secret_key = _dev_secret(self.instance_dir)


def _dev_secret(instance: Path) -> str:
    """A per-checkout random secret, kept on disk so sessions survive a restart."""
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
