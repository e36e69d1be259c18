import pytest

from teia.config import ConfigError, Settings


def test_production_names_every_missing_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEIA_SECRET_KEY", "TEIA_DATABASE_URL", "TEIA_BROKER_URL", "TEIA_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEIA_ENV", "production")
    with pytest.raises(ConfigError) as error:
        Settings.from_env()
    message = str(error.value)
    for name in ("TEIA_SECRET_KEY", "TEIA_DATABASE_URL", "TEIA_BROKER_URL", "TEIA_REDIS_URL"):
        assert name in message


def test_production_refuses_sqlite_and_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIA_ENV", "production")
    monkeypatch.setenv("TEIA_SECRET_KEY", "short")
    monkeypatch.setenv("TEIA_DATABASE_URL", "sqlite:///x.sqlite")
    monkeypatch.setenv("TEIA_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("TEIA_REDIS_URL", "redis://127.0.0.1:6379/1")
    with pytest.raises(ConfigError) as error:
        Settings.from_env()
    assert "TEIA_SECRET_KEY" in str(error.value)
    assert "TEIA_DATABASE_URL" in str(error.value)
    assert "TEIA_BROKER_URL" not in str(error.value)


def test_production_starts_with_everything_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEIA_ENV", "production")
    monkeypatch.setenv("TEIA_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TEIA_DATABASE_URL", "postgresql+psycopg://teia_app@db/teia")
    monkeypatch.setenv("TEIA_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("TEIA_REDIS_URL", "redis://127.0.0.1:6379/1")
    settings = Settings.from_env()
    assert settings.production and settings.database_url.startswith("postgresql")


def test_embedded_defaults_need_no_services(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("TEIA_ENV", "TEIA_SECRET_KEY", "TEIA_DATABASE_URL", "TEIA_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEIA_INSTANCE_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'teia.sqlite'}"
    assert settings.broker_url.startswith("sqla+sqlite:///")
    assert len(settings.secret_key) == 64
    assert Settings.from_env().secret_key == settings.secret_key  # kept across restarts


def test_behind_a_proxy_the_client_address_comes_from_its_headers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from celery import current_app as current_celery

    from teia import create_app

    settings = Settings(
        secret_key="s" * 64,
        database_url=f"sqlite:///{tmp_path / 'p.sqlite'}",
        broker_url="memory://",
        instance_dir=tmp_path,
        proxy_hops=1,
    )
    previous = current_celery._get_current_object()  # a new app becomes Celery's default
    try:
        app = create_app({"TEIA_SETTINGS": settings})
    finally:
        previous.set_current()
        previous.set_default()
    seen = {}

    @app.get("/_whoami")
    def whoami():  # type: ignore[no-untyped-def]
        from flask import request

        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return ""

    app.test_client().get(
        "/_whoami",
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
        headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}
