"""Case vignettes through their pages: built from a case and previewed, published only as
previewed, commented, withdrawn by the author, their readers, the adoption back in the case,
and who gets 404 (everyone outside the group, platform admin included)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.cases.models import Case, CaseEvent, EventKind
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.groups import vignettes
from teia.groups.models import (
    CommentKind,
    GroupMember,
    Vignette,
    VignetteComment,
    VignetteSource,
    VignetteStatus,
)
from teia.notifications.models import Notification, NotificationPreference
from teia.people.models import Person
from teia.tenants.models import Tenant
from tests import groups_factories as gf
from tests.conftest import csrf_token

MANAGER = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
COORDINATOR = "coordenacao@cimac.demo"
OUTSIDERS = (
    "coordenacao@mourao.demo",
    "coordenacao@cimbal.demo",
    "admin@teia.demo",
    "gestor@reguengos-de-monsaraz.demo",
)
HASH = re.compile(r'name="content_hash" type="hidden" value="([0-9a-f]*)"')
TITLE = "Família monoparental com renda em atraso"
QUESTION = "Que respostas de emprego funcionaram noutros concelhos?"


def tenant_id(slug: str = "mourao") -> int:
    found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None
    return found


def make_group(app: Flask, **kwargs: object) -> tuple[int, int]:
    """A CIMAC group (the factory's members) and Joaquina's demo case in Mourão (a plan with
    an overdue action, a pending referral): their ids."""
    with app.app_context():
        group = gf.group(**kwargs)  # type: ignore[arg-type]
        with tenant_scope(tenant_id()):
            case_id = db.session.scalar(
                select(Case.id)
                .join(Person, Person.id == Case.person_id)
                .where(Person.nif == "215836456")
            )
        db.session.commit()
        assert case_id is not None
        return group.id, case_id


def new_path(case_id: int) -> str:
    return f"/t/mourao/cases/{case_id}/vignettes/new"


def preview(  # type: ignore[no-untyped-def]
    c: FlaskClient, case_id: int, group_id: int, *, title: str, question: str, **texts: str
):
    """Press "Pré-visualizar": the response, and the data the page would send to publish."""
    page = c.get(new_path(case_id))
    assert page.status_code == 200, page.status_code
    data = {
        "csrf_token": csrf_token(page.text),
        "group": str(group_id),
        "title": title,
        "question": question,
        "action": "preview",
        **{f"text-{k.replace('_', '-')}": v for k, v in texts.items()},
    }
    shown = c.post(new_path(case_id), data=data)
    match = HASH.search(shown.text)
    return shown, {**data, "action": "publish", "content_hash": match.group(1) if match else ""}


def publish(
    c: FlaskClient,
    case_id: int,
    group_id: int,
    *,
    title: str = TITLE,
    question: str = QUESTION,
    **texts: str,
) -> int:
    """Preview, then publish what was previewed; the new vignette's id."""
    shown, data = preview(c, case_id, group_id, title=title, question=question, **texts)
    assert shown.status_code == 200, shown.text
    done = c.post(new_path(case_id), data=data)
    assert done.status_code == 302, done.text
    match = re.fullmatch(rf"/groups/{group_id}/vignettes/(\d+)", done.headers["Location"])
    assert match, done.headers["Location"]
    return int(match.group(1))


def comment_on(  # type: ignore[no-untyped-def]
    c: FlaskClient, group_id: int, vignette_id: int, body: str, kind: str = "comment"
):
    page = c.get(f"/groups/{group_id}/vignettes/{vignette_id}")
    assert page.status_code == 200
    return c.post(
        f"/groups/{group_id}/vignettes/{vignette_id}/comments",
        data={"csrf_token": csrf_token(page.text), "kind": kind, "body": body},
    )


def notes(email: str, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == gf.user_id(email), Notification.kind == kind
            )
        )
    )


# --- bringing a case ----------------------------------------------------------------------


def test_the_preview_shows_the_vignette_without_the_people_and_publish_sends_exactly_it(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    c = as_user(MANAGER)
    form = c.get(new_path(case_id))
    assert "Desemprego da representante" in form.text  # the drafted texts, editable
    assert "Publicar" not in form.text  # nothing to publish before a preview
    shown, data = preview(
        c, case_id, group_id, title="Caso da Joaquina", question="Ideias para a Leonor?"
    )
    assert shown.status_code == 200
    seen = shown.text.split('id="pre-visualizacao"')[1].split("<form")[0]
    for gone in ("Joaquina", "Leonor", "Tiago", "Calado", "Pires", "215836456", "Misericórdia"):
        assert gone not in seen
    assert "Caso da [nome]" in seen and "Ideias para a [nome]?" in seen
    assert "45\u201354" in seen  # born in 1979
    assert "Filho/a (6\u201311)" in seen and "Filho/a (12\u201315)" in seen
    assert "Integrar o agregado na cantina social" in seen
    assert "Ação do plano em atraso" in seen  # the IEFP action, 3 days late
    with app.app_context():
        assert db.session.scalar(select(Vignette.id)) is None

    done = c.post(new_path(case_id), data=data)
    assert done.status_code == 302
    with app.app_context():
        vignette = db.session.scalar(select(Vignette))
        assert vignette is not None
        assert vignette.title == "Caso da [nome]"
        assert vignette.content_hash == data["content_hash"]
        assert vignette.group_id == group_id and vignette.source_tenant_id == tenant_id()
        assert vignette.content["person"]["relationship"] == "representative"
        assert [m["relationship"] for m in vignette.content["household"]] == ["child", "child"]
        assert vignette.content["blockers"][0]["kind"] == "overdue_action"
        with tenant_scope(tenant_id()):
            source = db.session.scalar(select(VignetteSource))
            assert source is not None and source.case_id == case_id
    page = c.get(done.headers["Location"])
    assert page.status_code == 200 and "Caso da [nome]" in page.text
    assert "Mourão" in page.text  # the source council is how the group works
    # the very same rendering, from the question on
    assert seen.split('id="vinheta-pergunta"')[1].split("</article>")[0] in page.text


def test_publishing_after_an_edit_without_a_new_preview_shows_the_preview_again(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    c = as_user(MANAGER)
    _shown, data = preview(c, case_id, group_id, title="Renda em atraso", question="Ideias?")
    changed = {**data, "question": "Outra pergunta, escrita depois da pré-visualização"}
    again = c.post(new_path(case_id), data=changed)
    assert again.status_code == 409
    assert "mudou desde a pré-visualização" in again.text
    assert "Outra pergunta, escrita depois" in again.text.split('id="pre-visualizacao"')[1]
    with app.app_context():
        assert db.session.scalar(select(Vignette.id)) is None
    fresh = HASH.search(again.text)
    assert fresh and fresh.group(1) != data["content_hash"]
    published = c.post(new_path(case_id), data={**changed, "content_hash": fresh.group(1)})
    assert published.status_code == 302


def test_the_author_edits_the_drafted_texts_and_what_they_type_is_scrubbed_again(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(
        as_user(MANAGER),
        case_id,
        group_id,
        situation="A Joaquina (tel. 266 111 222) ficou sem emprego a 3 de março.",
        goal_1_action_2="",  # left out
    )
    with app.app_context():
        content = db.session.get(Vignette, vid).content  # type: ignore[union-attr]
    assert content["situation"] == "A [nome] (tel. [identificador]) ficou sem emprego a [data]."
    actions = content["goals"][0]["actions"]
    assert [a["text"] for a in actions] == ["Integrar o agregado na cantina social"]


def test_who_may_open_the_authoring_page(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _group_id, case_id = make_group(app)
    assert as_user(MANAGER).get(new_path(case_id)).status_code == 200
    # another council's member of the group, a partner of Mourão, the platform admin
    for email in (PORTEL, "ipss@mourao.demo", "admin@teia.demo"):
        assert as_user(email).get(new_path(case_id)).status_code == 404, email
    # Mourão's admin is staff but has no seat in any group
    refused = as_user("coordenacao@mourao.demo").get(new_path(case_id))
    assert refused.status_code == 403
    assert "Não participa em nenhum grupo" in refused.text


def test_only_a_group_that_seats_the_author_for_the_council_can_receive_the_case(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    theirs, case_id = make_group(app, name="Grupo sem Mourão", members=(PORTEL,))
    shown, _data = preview(as_user(MANAGER), case_id, theirs, title="Renda", question="Ideias?")
    assert shown.status_code == 422
    assert "Escolha o grupo" in shown.text
    assert "Grupo sem Mourão" not in shown.text


def test_the_case_page_offers_the_group_only_to_staff_with_a_seat(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _group_id, case_id = make_group(app)
    mine = as_user(MANAGER).get(f"/t/mourao/cases/{case_id}")
    assert "Levar a um grupo de trabalho" in mine.text
    assert f"/t/mourao/cases/{case_id}/vignettes" in mine.text
    admin = as_user("coordenacao@mourao.demo").get(f"/t/mourao/cases/{case_id}")
    assert admin.status_code == 200 and "Levar a um grupo de trabalho" not in admin.text


# --- the group: notifications, comments, outsiders --------------------------------------------


def test_members_are_told_of_a_new_vignette_without_its_title(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    with app.app_context():
        db.session.add(
            NotificationPreference(
                user_id=gf.user_id(COORDINATOR),
                topic=vignettes.VIGNETTE_TOPIC,
                in_app=False,
                email=False,
            )
        )
        db.session.commit()
    vid = publish(as_user(MANAGER), case_id, group_id, title="Renda em atraso")
    with app.app_context():
        [note] = notes(PORTEL, vignettes.VIGNETTE_TOPIC)
        assert note.subject == "Nova vinheta no grupo Grupo de intervenção familiar"
        assert "Renda" not in note.subject + note.body
        assert note.link == f"/groups/{group_id}/vignettes/{vid}"
        assert notes(COORDINATOR, vignettes.VIGNETTE_TOPIC) == []  # turned off
        assert notes(MANAGER, vignettes.VIGNETTE_TOPIC) == []  # the author


def test_a_member_comments_and_proposes_the_text_scrubbed_and_the_author_told(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    portel = as_user(PORTEL)
    text = "Liguem à técnica (266 123 456, ana@ss.pt) antes de 12/03/2026."
    assert comment_on(portel, group_id, vid, text, "proposal").status_code == 302
    with app.app_context():
        row = db.session.scalar(select(VignetteComment))
        assert row is not None and row.kind == CommentKind.PROPOSAL
        assert row.body == "Liguem à técnica ([identificador], [identificador]) antes de [data]."
        [note] = notes(MANAGER, vignettes.COMMENT_TOPIC)
        assert note.link == f"/groups/{group_id}/vignettes/{vid}#discussao"
        assert "Liguem" not in note.subject + note.body
        assert notes(PORTEL, vignettes.COMMENT_TOPIC) == []
    page = portel.get(f"/groups/{group_id}/vignettes/{vid}")
    assert "Liguem à técnica ([identificador]" in page.text and "Proposta" in page.text
    empty = comment_on(portel, group_id, vid, "   ")
    assert empty.status_code == 422


def test_outsiders_get_404_on_every_group_page_and_post(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    base = f"/groups/{group_id}/vignettes"
    for email in OUTSIDERS:
        c = as_user(email)
        token = csrf_token(c.get("/account/notifications").text)
        for path in (base, f"{base}/{vid}", f"{base}/{vid}/readers"):
            assert c.get(path).status_code == 404, (email, path)
        for action in ("comments", "withdraw"):
            data = {"csrf_token": token, "withdraw-csrf_token": token, "body": "x"}
            response = c.post(f"{base}/{vid}/{action}", data=data)
            assert response.status_code == 404, (email, action)
    other, _case = make_group(app, name="Outro grupo")
    # a vignette is not found through another group, even by a member of both
    assert as_user(MANAGER).get(f"/groups/{other}/vignettes/{vid}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(VignetteComment.id)) is None
        assert db.session.get(Vignette, vid).status == VignetteStatus.PUBLISHED  # type: ignore[union-attr]


def test_a_member_who_left_the_group_no_longer_reads_it(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    portel = as_user(PORTEL)
    assert portel.get(f"/groups/{group_id}/vignettes/{vid}").status_code == 200
    with app.app_context():
        member = db.session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id == gf.user_id(PORTEL)
            )
        )
        assert member is not None
        member.active = False
        db.session.commit()
    assert portel.get(f"/groups/{group_id}/vignettes/{vid}").status_code == 404


# --- withdrawal and readers -----------------------------------------------------------------


def test_only_the_author_withdraws_and_the_content_and_discussion_go(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    author = as_user(MANAGER)
    vid = publish(author, case_id, group_id, question="Pergunta a apagar")
    portel = as_user(PORTEL)
    comment_on(portel, group_id, vid, "Comentário a esconder")
    path = f"/groups/{group_id}/vignettes/{vid}"
    for c in (portel, as_user(COORDINATOR)):
        token = csrf_token(c.get(path).text)
        assert c.post(f"{path}/withdraw", data={"withdraw-csrf_token": token}).status_code == 403
    token = csrf_token(author.get(path).text)
    assert author.post(f"{path}/withdraw", data={"withdraw-csrf_token": token}).status_code == 302
    with app.app_context():
        vignette = db.session.get(Vignette, vid)
        assert vignette is not None and vignette.status == VignetteStatus.WITHDRAWN
        assert vignette.content == {} and vignette.question == ""
        assert vignette.title == "Vinheta retirada pela autora ou pelo autor"
    page = portel.get(path).text
    assert "Pergunta a apagar" not in page and "Comentário a esconder" not in page
    assert "retirada" in portel.get(f"/groups/{group_id}/vignettes").text
    refused = portel.post(
        f"{path}/comments", data={"csrf_token": csrf_token(page), "body": "Ainda aqui?"}
    )
    assert refused.status_code == 422 and "foi retirada" in refused.text


def test_readers_are_the_audited_reads_shown_to_the_author_and_coordinators(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    portel = as_user(PORTEL)
    path = f"/groups/{group_id}/vignettes/{vid}"
    assert portel.get(path).status_code == 200
    assert portel.get(f"/api/v1{path}").status_code == 200
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "vignette.read", AuditEvent.object_id == str(vid)
            )
        ).all()
        assert {(e.actor_id, e.details["via"]) for e in reads} >= {
            (gf.user_id(PORTEL), "page"),
            (gf.user_id(PORTEL), "api"),
        }
        portel_name = db.session.get(User, gf.user_id(PORTEL)).name  # type: ignore[union-attr]
    assert portel.get(f"{path}/readers").status_code == 403
    for email in (MANAGER, COORDINATOR):
        page = as_user(email).get(f"{path}/readers")
        assert page.status_code == 200
        assert f"<td>{portel_name}</td><td>2</td>" in page.text, email


# --- back in the case: adoption ---------------------------------------------------------------


def cases_vignettes(c: FlaskClient, case_id: int):  # type: ignore[no-untyped-def]
    return c.get(f"/t/mourao/cases/{case_id}/vignettes")


def test_the_author_records_what_was_adopted_privately_in_the_case(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    author = as_user(MANAGER)
    vid = publish(author, case_id, group_id)
    portel = as_user(PORTEL)
    comment_on(portel, group_id, vid, "Parceria com a escola profissional", "proposal")
    comment_on(portel, group_id, vid, "Só um comentário")
    with app.app_context():
        proposal_id = db.session.scalar(
            select(VignetteComment.id).where(VignetteComment.kind == CommentKind.PROPOSAL)
        )
    page = cases_vignettes(author, case_id)
    assert page.status_code == 200 and "Parceria com a escola profissional" in page.text
    assert "Só um comentário" not in page.text  # only proposals are adopted
    path = f"/t/mourao/cases/{case_id}/vignettes/{vid}/adopt"
    data = {"proposals": str(proposal_id), "note": "Contacto feito."}
    # another professional of the council sees the list but does not adopt
    tecnica = as_user("tecnica@mourao.demo")
    token = csrf_token(cases_vignettes(tecnica, case_id).text)
    assert tecnica.post(path, data={**data, "csrf_token": token}).status_code == 403
    # another council's user does not reach the case at all
    token = csrf_token(portel.get("/groups/").text)
    assert portel.post(path, data={**data, "csrf_token": token}).status_code == 404
    token = csrf_token(page.text)
    assert author.post(path, data={**data, "csrf_token": token}).status_code == 302
    with app.app_context(), tenant_scope(tenant_id()):
        source = db.session.scalar(select(VignetteSource))
        assert source is not None
        assert source.adopted_comment_ids == [proposal_id]
        assert source.adopted_note == "Contacto feito."
        event = db.session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc())
        )
        assert event is not None and event.confidential and event.kind == EventKind.NOTE
        assert event.author_id == gf.user_id(MANAGER)
        assert "Parceria com a escola profissional" in event.text
        assert "Contacto feito." in event.text
    after = cases_vignettes(author, case_id).text
    assert "Adotado" in after and "Contacto feito." in after
    assert "Contacto feito." not in cases_vignettes(tecnica, case_id).text
    assert "Contacto feito." not in tecnica.get(f"/t/mourao/cases/{case_id}/timeline").text
    # an id that is not one of this vignette's proposals is refused
    bad = author.post(path, data={**data, "csrf_token": token, "proposals": "999999"})
    assert bad.status_code == 302
    assert "Escolha entre as propostas" in author.get(bad.headers["Location"]).text


def test_the_case_list_of_vignettes_is_the_councils_only(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _group_id, case_id = make_group(app)
    for email in (PORTEL, "admin@teia.demo", "ipss@mourao.demo"):
        assert cases_vignettes(as_user(email), case_id).status_code == 404, email
