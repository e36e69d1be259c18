"""The good-practice library: a practice goes from draft to published through a coordinator of
its consortium and is found by a coordinator of another consortium; drafts stay with their
author and their consortium's coordinators; the author never reviews their own practice;
files are checked, kept and downloaded by readers only; councils record adoptions; and every
notification follows the user's preferences."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.applications.storage import MAX_UPLOAD_BYTES, UploadError
from teia.audit.models import AuditEvent
from teia.core.db import db, utcnow
from teia.notifications.models import Notification, NotificationPreference
from teia.practices.attachments import checked_type
from teia.practices.models import (
    AdoptionStatus,
    Practice,
    PracticeAdoption,
    PracticeAttachment,
    PracticeCouncil,
    PracticeStatus,
)
from teia.tenants.models import Tenant
from tests.conftest import csrf_token
from tests.groups_factories import consortium_id, user_id

AUTHOR = "gestora@mourao.demo"
CIMAC = "coordenacao@cimac.demo"
CIMBAL = "coordenacao@cimbal.demo"
NOBODY = "admin@teia.demo"  # a platform admin with no membership: not a reader
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- builders -------------------------------------------------------------------------------


@pytest.fixture
def person(as_user):  # type: ignore[no-untyped-def]
    """``as_user`` signed in once per person and test: a coordinator's second factor takes
    a fresh TOTP step each time, and only two are usable at once."""
    clients: dict[str, FlaskClient] = {}

    def signed_in(email: str) -> FlaskClient:
        if email not in clients:
            clients[email] = as_user(email)
        return clients[email]

    return signed_in


def council_id(slug: str) -> int:
    found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None, slug
    return found


def practice(
    title: str = "Balcão único de habitação",
    *,
    status: PracticeStatus = PracticeStatus.PUBLISHED,
    author: str = AUTHOR,
    consortium: str = "cimac",
    problem: str = "Pedidos de habitação dispersos por vários serviços.",
    what_was_done: str = "Um só balcão recebe e encaminha os pedidos.",
    results: str = "",
    tags: Sequence[str] = (),
    councils: Sequence[str] = (),
    published_at: datetime | None = None,
) -> Practice:
    """A practice written as rows (the flow tests go through the pages)."""
    built = Practice(
        consortium_id=consortium_id(consortium),
        title=title,
        problem=problem,
        what_was_done=what_was_done,
        results=results,
        resources="",
        tags=list(tags),
        status=status,
        author_id=user_id(author),
        published_at=(published_at or utcnow()) if status != PracticeStatus.DRAFT else None,
        councils=[PracticeCouncil(tenant_id=council_id(s)) for s in councils],
    )
    db.session.add(built)
    db.session.flush()
    return built


def committed(app: Flask, **kwargs) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        built = practice(**kwargs)
        db.session.commit()
        return built.id


def token(c: FlaskClient) -> str:
    return csrf_token(c.get("/practices/new").text)


def post(c: FlaskClient, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return c.post(url, data={"csrf_token": token(c), **(data or {})}, **kwargs)


def write(c: FlaskClient, **fields) -> int:  # type: ignore[no-untyped-def]
    """Write a draft through the form; its id."""
    data = {
        "title": "Intervenção familiar integrada",
        "consortium": "",
        "problem": "Famílias acompanhadas por vários serviços sem um plano comum.",
        "what_was_done": "Reuniões mensais entre serviços com um gestor de caso de referência.",
        "results": "Menos duplicação de visitas.",
        "resources": "Duas horas por mês de cada serviço.",
        "tags": "Famílias, Articulação, famílias",
        **fields,
    }
    answer = post(c, "/practices/new", data)
    assert answer.status_code == 302, answer.text
    found = re.fullmatch(r"/practices/(\d+)", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def notes(app: Flask, email: str, topic: str) -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == user_id(email), Notification.kind == topic
                )
            )
        )


def load(app: Flask, practice_id: int) -> Practice:
    with app.app_context():
        found = db.session.get(Practice, practice_id)
        assert found is not None
        found.councils, found.attachments, found.adoptions  # noqa: B018 - load before closing
        return found


def audited(app: Flask, action: str, practice_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(practice_id)
                )
            ).all()
        )


# --- the whole way: draft, review, published, found by another consortium ------------------


def test_a_practice_goes_from_draft_to_published_and_cimbal_finds_it(  # type: ignore[no-untyped-def]
    app: Flask, person
) -> None:
    author = person(AUTHOR)
    with app.app_context():
        cimac, mourao, portel = consortium_id("cimac"), council_id("mourao"), council_id("portel")
    pid = write(author, consortium=str(cimac), councils=[str(mourao), str(portel)])
    draft = load(app, pid)
    assert draft.status == PracticeStatus.DRAFT
    assert draft.tags == ["famílias", "articulação"]
    assert {c.tenant_id for c in draft.councils} == {mourao, portel}
    assert "Rascunho" in author.get(f"/practices/{pid}").text

    assert post(author, f"/practices/{pid}/submit").status_code == 302
    assert load(app, pid).status == PracticeStatus.IN_REVIEW
    (review,) = notes(app, CIMAC, "practices.review")
    assert review.link == f"/practices/{pid}" and "Intervenção familiar" in review.subject
    assert notes(app, CIMBAL, "practices.review") == []  # another consortium's coordinator

    coordinator = person(CIMAC)
    queue = coordinator.get("/practices/review")
    assert queue.status_code == 200 and "Intervenção familiar integrada" in queue.text
    assert post(coordinator, f"/practices/{pid}/approve").status_code == 302
    published = load(app, pid)
    assert published.status == PracticeStatus.PUBLISHED
    assert published.published_at is not None
    assert published.reviewer_id is not None
    assert audited(app, "practice.published", pid) == 1
    assert [n.subject for n in notes(app, AUTHOR, "practices.review")] == [
        "A sua boa prática foi publicada: Intervenção familiar integrada"
    ]

    # Every consortium's coordinators, and the admins and case managers of CIMAC's councils.
    for email in (
        CIMBAL,
        "coordenacao@portel.demo",
        "gestora@portel.demo",
        "coordenacao@mourao.demo",
    ):
        (told,) = notes(app, email, "practices.published")
        assert told.link == f"/practices/{pid}"
    for email in (AUTHOR, CIMAC, "ipss@mourao.demo", "tecnica@mourao.demo"):
        assert notes(app, email, "practices.published") == []

    # The done-when: a coordinator of another consortium finds it, without the accents.
    other = person(CIMBAL)
    found = other.get("/practices/?q=intervencao+FAMILIAR")
    assert found.status_code == 200
    assert f'href="/practices/{pid}"' in found.text
    page = other.get(f"/practices/{pid}")
    assert page.status_code == 200
    assert "Reuniões mensais entre serviços" in page.text and "Portel" in page.text


def test_a_coordinator_returns_a_practice_with_a_note_and_the_author_resubmits(  # type: ignore[no-untyped-def]
    app: Flask, person
) -> None:
    author = person(AUTHOR)
    with app.app_context():
        cimac = consortium_id("cimac")
    pid = write(author, consortium=str(cimac))
    post(author, f"/practices/{pid}/submit")
    assert author.get(f"/practices/{pid}/edit").status_code == 403  # in review: no edits
    coordinator = person(CIMAC)
    empty = post(coordinator, f"/practices/{pid}/return", {"note": "  "})
    assert empty.status_code == 422
    assert load(app, pid).status == PracticeStatus.IN_REVIEW
    answer = post(coordinator, f"/practices/{pid}/return", {"note": "Diga quantas famílias."})
    assert answer.status_code == 302
    returned = load(app, pid)
    assert (returned.status, returned.review_note) == (
        PracticeStatus.DRAFT,
        "Diga quantas famílias.",
    )
    (told,) = notes(app, AUTHOR, "practices.review")
    assert "devolvida" in told.subject
    page = author.get(f"/practices/{pid}/edit")
    assert page.status_code == 200 and "Diga quantas famílias." in page.text
    edited = post(
        author,
        f"/practices/{pid}/edit",
        {
            "title": "Intervenção familiar integrada",
            "consortium": str(cimac),
            "problem": "Famílias acompanhadas por vários serviços.",
            "what_was_done": "Reuniões mensais.",
            "results": "Doze famílias com um só plano.",
            "tags": "famílias",
        },
    )
    assert edited.status_code == 302
    assert load(app, pid).results == "Doze famílias com um só plano."
    post(author, f"/practices/{pid}/submit")
    assert load(app, pid).status == PracticeStatus.IN_REVIEW


# --- who sees a draft ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [PracticeStatus.DRAFT, PracticeStatus.IN_REVIEW])
def test_drafts_and_practices_in_review_are_seen_by_their_author_and_coordinators_only(  # type: ignore[no-untyped-def]
    app: Flask, person, status: PracticeStatus
) -> None:
    pid = committed(app, title="Rascunho de Mourão", status=status)
    assert person(AUTHOR).get(f"/practices/{pid}").status_code == 200
    assert person(CIMAC).get(f"/practices/{pid}").status_code == 200
    for outsider in ("gestora@portel.demo", "coordenacao@mourao.demo", CIMBAL, NOBODY):
        c = person(outsider)
        assert c.get(f"/practices/{pid}").status_code == 404, outsider
        assert c.get(f"/practices/{pid}/edit").status_code == 404, outsider
    for listing in ("/practices/", "/practices/?q=Rascunho"):
        assert "Rascunho de Mourão" not in person(CIMBAL).get(listing).text
    assert person(CIMAC).get(f"/practices/{pid}/edit").status_code == 403  # sees, not edits


def test_people_without_a_membership_reach_nothing(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app)
    c = person(NOBODY)
    for url in ("/practices/", "/practices/mine", "/practices/new", "/practices/review"):
        assert c.get(url).status_code == 404, url
    assert c.get(f"/practices/{pid}").status_code == 404
    assert c.get(f"/practices/{pid}/attachments/1").status_code == 404


def test_readers_of_every_kind_read_published_practices(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app, title="Transporte solidário")
    for reader in ("ipss@mourao.demo", "tecnica@mourao.demo", "gestora@portel.demo", CIMBAL):
        answer = person(reader).get(f"/practices/{pid}")
        assert answer.status_code == 200 and "Transporte solidário" in answer.text, reader
    assert person("ipss@mourao.demo").get("/practices/review").status_code == 403


# --- review rules ---------------------------------------------------------------------------


def test_the_author_cannot_review_their_own_practice(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    author = person(CIMBAL)  # CIMBAL has no councils: its coordinator writes for CIMBAL
    with app.app_context():
        cimbal = consortium_id("cimbal")
    page = author.get("/practices/new")
    assert "CIMBAL" in page.text and "Os seus consórcios ainda não têm municípios" in page.text
    pid = write(author, consortium=str(cimbal))
    post(author, f"/practices/{pid}/submit")
    assert notes(app, CIMBAL, "practices.review") == []  # not told of their own submission
    shown = author.get(f"/practices/{pid}")
    assert "quem a escreveu não a revê" in shown.text and "Publicar" not in shown.text
    refused = post(author, f"/practices/{pid}/approve", follow_redirects=True)
    assert "Quem escreveu a prática não a pode rever." in refused.text
    assert post(author, f"/practices/{pid}/return", {"note": "x"}).status_code == 422
    assert load(app, pid).status == PracticeStatus.IN_REVIEW
    # CIMAC's coordinator does not even see another consortium's practice in review.
    assert post(person(CIMAC), f"/practices/{pid}/approve").status_code == 404


def test_only_a_coordinator_of_the_practices_consortium_reviews_it(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app, status=PracticeStatus.IN_REVIEW, author="gestora@portel.demo")
    assert post(person(CIMBAL), f"/practices/{pid}/approve").status_code == 404
    assert post(person("gestora@portel.demo"), f"/practices/{pid}/approve").status_code == 403
    assert post(person("gestora@portel.demo"), f"/practices/{pid}/archive").status_code == 403
    assert load(app, pid).status == PracticeStatus.IN_REVIEW
    assert "Balcão único de habitação" not in person(CIMBAL).get("/practices/review").text
    assert "Balcão único de habitação" in person(CIMAC).get("/practices/review").text


def test_a_coordinator_archives_a_published_practice(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app, title="Prática antiga")
    assert post(person(AUTHOR), f"/practices/{pid}/archive").status_code == 403
    assert post(person(CIMAC), f"/practices/{pid}/archive").status_code == 302
    assert load(app, pid).status == PracticeStatus.ARCHIVED
    assert audited(app, "practice.archived", pid) == 1
    reader = person(CIMBAL)
    assert "Prática antiga" not in reader.get("/practices/?q=antiga").text
    kept = reader.get(f"/practices/{pid}")
    assert kept.status_code == 200 and "Prática arquivada" in kept.text


# --- writing rules --------------------------------------------------------------------------


def test_the_consortium_councils_and_tags_are_checked(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    author = person(AUTHOR)
    with app.app_context():
        cimac, cimbal = consortium_id("cimac"), consortium_id("cimbal")
        mourao = council_id("mourao")
    base = {"title": "T", "problem": "P", "what_was_done": "W"}
    other = post(author, "/practices/new", {**base, "consortium": str(cimbal)})
    assert other.status_code == 200
    assert "Escolha um consórcio de um dos seus municípios" in other.text
    many = ", ".join(f"etiqueta {n}" for n in range(11))
    too_many = post(author, "/practices/new", {**base, "consortium": str(cimac), "tags": many})
    assert "No máximo 10 etiquetas." in too_many.text
    long_tag = post(author, "/practices/new", {**base, "consortium": str(cimac), "tags": "x" * 41})
    assert "Cada etiqueta tem até 40 caracteres." in long_tag.text
    missing = post(author, "/practices/new", {"title": "T", "consortium": str(cimac)})
    assert missing.text.count("Preencha este campo.") == 2
    with app.app_context():
        assert db.session.scalar(select(Practice).where(Practice.title == "T")) is None
    pid = write(
        author, consortium=str(cimac), councils=[str(mourao)], tags="#Idosos,  Saúde  Mental "
    )
    assert load(app, pid).tags == ["idosos", "saúde mental"]


def test_councils_involved_must_be_members_of_the_consortium(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    author = person(CIMBAL)
    with app.app_context():
        cimbal, mourao = consortium_id("cimbal"), council_id("mourao")
    answer = post(
        author,
        "/practices/new",
        {
            "title": "T",
            "problem": "P",
            "what_was_done": "W",
            "consortium": str(cimbal),
            "councils": [str(mourao)],
        },
    )
    assert answer.status_code == 200
    assert "têm de pertencer ao consórcio escolhido" in answer.text


def test_only_the_author_edits_and_only_a_draft(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app, status=PracticeStatus.DRAFT)
    assert person(CIMAC).get(f"/practices/{pid}/edit").status_code == 403
    assert post(person(CIMAC), f"/practices/{pid}/submit").status_code == 403
    published = committed(app)
    assert person(AUTHOR).get(f"/practices/{published}/edit").status_code == 403
    mine = person(AUTHOR).get("/practices/mine")
    assert mine.status_code == 200 and f"/practices/{pid}" in mine.text


# --- attachments ----------------------------------------------------------------------------


def office(kind: str) -> bytes:
    """A minimal ODT, ODS, DOCX or XLSX (what identifies each inside its ZIP)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if kind in ("odt", "ods"):
            name = "text" if kind == "odt" else "spreadsheet"
            archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{name}")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return out.getvalue()


def upload(c: FlaskClient, pid: int, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return post(
        c,
        f"/practices/{pid}/attachments",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("odt", "application/vnd.oasis.opendocument.text"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_office_documents_are_recognised_by_their_contents(  # type: ignore[no-untyped-def]
    app: Flask, person, kind: str, content_type: str
) -> None:
    pid = committed(app, status=PracticeStatus.DRAFT)
    assert upload(person(AUTHOR), pid, office(kind), f"modelo.{kind}").status_code == 302
    (stored,) = load(app, pid).attachments
    assert stored.content_type == content_type


def test_attachments_are_checked_stored_downloaded_by_readers_and_removed(  # type: ignore[no-untyped-def]
    app: Flask, person
) -> None:
    pid = committed(app, status=PracticeStatus.DRAFT)
    author = person(AUTHOR)
    assert upload(author, pid, PDF, "protocolo/final.pdf").status_code == 302
    (stored,) = load(app, pid).attachments
    assert stored.filename == "protocolo_final.pdf"
    assert (stored.size, stored.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert stored.content_type == "application/pdf"
    assert audited(app, "practice.attachment_added", pid) == 1

    refusals = [
        (b"MZ\x90\x00 not a document", "programa.pdf", "Só são aceites ficheiros PDF"),
        (b"PK\x03\x04 not really a zip", "falso.docx", "Só são aceites ficheiros PDF"),
        (office("odt").replace(b"opendocument.text", b"opendocument.other"), "x.odt", "Só são"),
        (b"", "vazio.pdf", "O ficheiro está vazio."),
    ]
    for data, name, message in refusals:
        answer = upload(author, pid, data, name)
        assert answer.status_code == 422, name
        assert message in answer.text, name
    assert len(load(app, pid).attachments) == 1

    # A draft's file: its author and the consortium's coordinators; nobody else.
    url = f"/practices/{pid}/attachments/{stored.id}"
    assert person(CIMAC).get(url).data == PDF
    assert person(CIMBAL).get(url).status_code == 404
    assert upload(person(CIMAC), pid, PDF, "outro.pdf").status_code == 403

    post(author, f"/practices/{pid}/submit")
    assert upload(author, pid, PDF, "tarde.pdf").status_code == 422  # no longer a draft
    post(person(CIMAC), f"/practices/{pid}/approve")
    downloaded = person("ipss@mourao.demo").get(url)
    assert downloaded.status_code == 200 and downloaded.data == PDF
    assert downloaded.headers["Content-Type"] == "application/pdf"
    assert "protocolo_final.pdf" in downloaded.headers["Content-Disposition"]
    assert audited(app, "practice.attachment_read", pid) == 2
    assert person(NOBODY).get(url).status_code == 404
    assert author.get(f"/practices/{pid}/attachments/{stored.id + 999}").status_code == 404
    removed = post(author, f"{url}/remove", follow_redirects=True)
    assert "Só quem escreve a prática lhe tira ficheiros" in removed.text  # published now


def test_an_attachment_holds_at_most_10_mb(app: Flask) -> None:
    with app.test_request_context():
        assert checked_type(PDF.ljust(MAX_UPLOAD_BYTES, b"\x00")) == "application/pdf"
        with pytest.raises(UploadError, match="O ficheiro tem mais de 10 MB"):
            checked_type(PDF.ljust(MAX_UPLOAD_BYTES + 1, b"\x00"))
        big = office("docx") + b"\x00" * MAX_UPLOAD_BYTES
        with pytest.raises(UploadError, match="O ficheiro tem mais de 10 MB"):
            checked_type(big)


def test_the_author_removes_a_file_from_a_draft(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app, status=PracticeStatus.DRAFT)
    author = person(AUTHOR)
    upload(author, pid, PDF, "a.pdf")
    (stored,) = load(app, pid).attachments
    url = f"/practices/{pid}/attachments/{stored.id}"
    assert post(person(CIMBAL), f"{url}/remove").status_code == 404
    assert post(author, f"{url}/remove").status_code == 302
    assert load(app, pid).attachments == []
    with app.app_context():
        assert db.session.get(PracticeAttachment, stored.id) is None
    assert author.get(url).status_code == 404
    assert audited(app, "practice.attachment_removed", pid) == 1


# --- adoption -------------------------------------------------------------------------------


def adopt(c: FlaskClient, pid: int, council: int, **fields):  # type: ignore[no-untyped-def]
    data = {"council": str(council), "status": "adopted", "started_on": "", "how_it_went": ""}
    return post(c, f"/practices/{pid}/adoption", {**data, **fields})


def test_council_staff_record_how_the_adoption_went_once_per_council(  # type: ignore[no-untyped-def]
    app: Flask, person
) -> None:
    pid = committed(app, title="Transporte solidário", consortium="cimac")
    with app.app_context():
        mourao, portel = council_id("mourao"), council_id("portel")
    manager = person(AUTHOR)
    first = adopt(manager, pid, mourao, status="planned", started_on="2026-01-15")
    assert first.status_code == 302
    again = adopt(manager, pid, mourao, how_it_went="Resultou com duas carrinhas.")
    assert again.status_code == 302
    (row,) = load(app, pid).adoptions
    assert (row.council_id, row.status, row.how_it_went) == (
        mourao,
        AdoptionStatus.ADOPTED,
        "Resultou com duas carrinhas.",
    )
    assert row.started_on is None
    # A technician of two councils records for either; nobody for a council not theirs.
    technician = person("tecnica@mourao.demo")
    assert adopt(technician, pid, portel, status="discontinued").status_code == 302
    assert "Escolha um município onde trabalha" in adopt(manager, pid, portel).text
    assert "Escolha o estado da adoção" in adopt(manager, pid, mourao, status="x").text
    assert "Escreva uma data válida." in adopt(manager, pid, mourao, started_on="31/02").text
    assert adopt(person("ipss@mourao.demo"), pid, mourao).status_code == 403
    assert adopt(person(CIMBAL), pid, mourao).status_code == 403
    with app.app_context():
        rows = db.session.scalars(
            select(PracticeAdoption).where(PracticeAdoption.practice_id == pid)
        ).all()
        assert {(r.council_id, r.status) for r in rows} == {
            (mourao, AdoptionStatus.ADOPTED),
            (portel, AdoptionStatus.DISCONTINUED),
        }
    page = person(CIMBAL).get(f"/practices/{pid}")
    assert "Mourão" in page.text and "Resultou com duas carrinhas." in page.text
    assert "Abandonada" in page.text
    assert "Registar a adoção" not in page.text  # CIMBAL's coordinator records for no council


def test_adoption_needs_a_published_practice(app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        mourao = council_id("mourao")
    draft = committed(app, status=PracticeStatus.DRAFT)
    refused = adopt(person(AUTHOR), draft, mourao)
    assert refused.status_code == 302
    shown = person(AUTHOR).get(refused.headers["Location"])
    assert "Só se regista a adoção de uma prática publicada." in shown.text
    with app.app_context():
        assert (
            db.session.scalars(
                select(PracticeAdoption).where(PracticeAdoption.practice_id == draft)
            ).all()
            == []
        )
    assert adopt(person("gestora@portel.demo"), draft, mourao).status_code == 404


# --- notifications follow preferences -------------------------------------------------------


def test_publication_notifications_follow_each_users_preferences(  # type: ignore[no-untyped-def]
    app: Flask, person
) -> None:
    with app.app_context():
        db.session.add_all(
            [
                NotificationPreference(
                    user_id=user_id(CIMBAL), topic="practices.published", in_app=False, email=False
                ),
                NotificationPreference(
                    user_id=user_id("gestora@portel.demo"),
                    topic="practices.published",
                    in_app=False,
                    email=True,
                ),
                NotificationPreference(
                    user_id=user_id(CIMAC), topic="practices.review", in_app=False, email=False
                ),
            ]
        )
        db.session.commit()
        cimac = consortium_id("cimac")
    author = person(AUTHOR)
    pid = write(author, consortium=str(cimac))
    post(author, f"/practices/{pid}/submit")
    assert notes(app, CIMAC, "practices.review") == []  # turned off
    post(person(CIMAC), f"/practices/{pid}/approve")
    assert load(app, pid).status == PracticeStatus.PUBLISHED
    assert notes(app, CIMBAL, "practices.published") == []
    (email_only,) = notes(app, "gestora@portel.demo", "practices.published")
    assert email_only.email and email_only.read_at is not None  # no badge
    (both,) = notes(app, "coordenacao@portel.demo", "practices.published")
    assert both.email and both.read_at is None


def test_the_fan_out_task_skips_a_practice_no_longer_published(app: Flask) -> None:
    from teia.practices.tasks import notify_published

    archived = committed(app, status=PracticeStatus.ARCHIVED)
    published = committed(app)
    with app.app_context():
        assert notify_published.run(archived) == 0
        assert notify_published.run(2**31 - 1) == 0
        sent = notify_published.run(published)
    assert sent >= 4  # two coordinators, and the admins and case managers of CIMAC's councils
