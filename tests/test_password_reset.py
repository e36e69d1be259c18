"""Password reset by a single-use e-mailed link, sent through Celery."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import body, csrf_token, login, outbox


def request_reset(client, email: str):  # type: ignore[no-untyped-def]
    page = client.get("/password/forgot")
    return client.post(
        "/password/forgot", data={"email": email, "csrf_token": csrf_token(page.text)}
    )


def test_reset_link_works_once(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    response = request_reset(client, "escola@mourao.demo")
    assert response.status_code == 302
    [message] = outbox(app)
    assert message["To"] == "escola@mourao.demo"
    path = re.search(r"http://teia\.test(/password/reset/\S+)", body(message)).group(1)  # type: ignore[union-attr]
    page = client.get(path)
    assert page.status_code == 200
    short = client.post(
        path, data={"password": "curta", "confirm": "curta", "csrf_token": csrf_token(page.text)}
    )
    assert "Use pelo menos 10 caracteres." in short.text
    done = client.post(
        path,
        data={
            "password": "outra-senha-longa",
            "confirm": "outra-senha-longa",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert done.status_code == 302
    assert client.get(path).status_code == 404
    assert login(client, "escola@mourao.demo").status_code == 200  # old password gone
    assert login(client, "escola@mourao.demo", "outra-senha-longa").status_code == 302


def test_unknown_email_gets_the_same_answer_and_no_mail(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    known = request_reset(client, "escola@mourao.demo")
    unknown = request_reset(client, "ninguem@exemplo.pt")
    assert known.status_code == unknown.status_code == 302
    assert len(outbox(app)) == 1


def test_forged_token_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/password/reset/nao-e-um-token").status_code == 404
