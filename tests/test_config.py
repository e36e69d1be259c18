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


def test_embedded_defaults_need_no_services(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    for name in ("TEIA_ENV", "TEIA_SECRET_KEY", "TEIA_DATABASE_URL", "TEIA_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEIA_INSTANCE_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'teia.sqlite'}"
    assert settings.broker_url.startswith("sqla+sqlite:///")
    assert len(settings.secret_key) == 64
    assert Settings.from_env().secret_key == settings.secret_key  # kept across restarts
