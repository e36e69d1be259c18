from flask import Flask


def test_health_reports_database_and_broker(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_reports_a_broker_that_is_down(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    celery = app.extensions["celery"]
    original = celery.conf.broker_url
    celery.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        celery.conf.broker_url = original
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["broker"].startswith("error")
