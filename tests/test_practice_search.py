"""Searching the library on both tiers: words found whatever their case and accents, every
word needed, wildcards taken literally, filters by tag, consortium, council involved and
adoption by the reader's council, published practices only, newest first, 20 a page, and tag
facets on the index page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from teia.core.db import db, utcnow
from teia.practices import search
from teia.practices.models import AdoptionStatus, PracticeAdoption, PracticeStatus
from tests.groups_factories import consortium_id
from tests.test_practices import council_id, practice

MARK = "Xisto"  # in every title these tests write: the demo's practices share the library


def _titles(filters: search.Filters, page: int = 1) -> list[str]:
    return [p.title for p in search.search(db.session, filters, page=page).practices]


def _mine(**filters) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles found among this test's practices."""
    return _titles(search.Filters(text=f"{MARK} {filters.pop('text', '')}", **filters))


def test_fold_drops_accents_and_case() -> None:
    assert search.fold("INTERVENÇÃO Àgueda Ñandu") == "intervencao agueda nandu"
    assert search.fold("intervenc\u0327a\u0303o") == "intervencao"  # decomposed, as some send
    assert search.words("  Saúde   saude  mental ") == ["saude", "mental"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("intervencao", True),
        ("INTERVENÇÃO", True),
        ("Intervenção Precoce", True),
        ("intervenção tardia", False),  # every word is needed
        ("ÉVORA", True),  # an accented capital in the text
        ("evora", True),
        ("coordenação", True),  # in what was done
        ("acolhimento", True),  # in the results
        ("%", False),
        ("_", False),
    ],
)
def test_words_are_found_without_minding_case_or_accents(
    app: Flask, typed: str, found: bool
) -> None:
    with app.app_context():
        practice(
            "INTERVENÇÃO PRECOCE EM ÉVORA",
            problem="Crianças sinalizadas tarde.",
            what_was_done="Uma equipa de coordenacao entre saúde e escola.",
            results="Menos pedidos de acolhimento.",
        )
        assert (_titles(search.Filters(text=typed)) != []) is found


def test_only_published_practices_are_found(app: Flask) -> None:
    with app.app_context():
        for status in PracticeStatus:
            practice(f"{MARK} {status.value}", status=status)
        assert _mine() == [f"{MARK} published"]


def test_filters_by_tag_consortium_council_and_adoption(app: Flask) -> None:
    with app.app_context():
        mourao, portel = council_id("mourao"), council_id("portel")
        practice(f"{MARK} casa", tags=["habitação", "idosos"], councils=["mourao"])
        practice(f"{MARK} transporte", tags=["idosos"], councils=["portel"])
        practice(f"{MARK} vizinhos", consortium="cimbal", author="coordenacao@cimbal.demo")
        taken = practice(f"{MARK} cantina", tags=["alimentação"])
        db.session.add(
            PracticeAdoption(practice_id=taken.id, council_id=portel, status=AdoptionStatus.ADOPTED)
        )
        db.session.flush()
        assert sorted(_mine(tag="idosos")) == [f"{MARK} casa", f"{MARK} transporte"]
        assert _mine(tag="Habitação") == [f"{MARK} casa"]
        assert _mine(tag="idoso") == []  # a whole tag, not part of one
        assert _mine(consortium_id=consortium_id("cimbal")) == [f"{MARK} vizinhos"]
        assert _mine(council_id=mourao) == [f"{MARK} casa"]
        assert _mine(adopted_by=frozenset({portel})) == [f"{MARK} cantina"]
        assert _mine(adopted_by=frozenset({mourao})) == []
        both = {"tag": "idosos", "council_id": portel, "text": "transporte"}
        assert _mine(**both) == [f"{MARK} transporte"]


def test_newest_first_twenty_a_page_with_facets_of_everything_found(app: Flask) -> None:
    with app.app_context():
        start = utcnow() - timedelta(days=30)
        for n in range(21):
            practice(
                f"{MARK} número {n:02d}",
                tags=["comum", "par" if n % 2 == 0 else "ímpar"],
                published_at=start + timedelta(days=n),
            )
        first = search.search(db.session, search.Filters(text=MARK))
        assert (first.total, first.page, first.page_size) == (21, 1, 20)
        assert first.practices[0].title == f"{MARK} número 20"
        assert first.practices[-1].title == f"{MARK} número 01"
        assert first.facets == [("comum", 21), ("par", 11), ("ímpar", 10)]
        second = search.search(db.session, search.Filters(text=MARK), page=2)
        assert [p.title for p in second.practices] == [f"{MARK} número 00"]


def test_the_index_page_searches_filters_and_shows_tag_facets(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        mourao = council_id("mourao")
        for n in range(21):
            practice(f"{MARK} balcão {n:02d}", tags=["zz-habitação"], councils=["mourao"])
        db.session.add(
            PracticeAdoption(
                practice_id=practice(f"{MARK} cantina", tags=["zz-alimentação"]).id,
                council_id=mourao,
                status=AdoptionStatus.PLANNED,
            )
        )
        db.session.commit()
    c = as_user("gestora@mourao.demo")
    assert c.get("/practices/").status_code == 200
    page = c.get("/practices/?q=xisto")
    assert "22 práticas encontradas" in page.text
    assert "zz-habitação (21)" in page.text and "zz-alimentação (1)" in page.text
    assert "/practices/?page=2&amp;q=xisto" in page.text
    tagged = c.get("/practices/?q=xisto&tag=zz-habita%C3%A7%C3%A3o&page=2")
    assert "21 práticas encontradas" in tagged.text and f"{MARK} balcão 00" in tagged.text
    assert "page=1" in tagged.text and "tag=zz-habita" in tagged.text
    adopted = c.get("/practices/?q=xisto&adopted=y")
    assert "1 prática encontrada" in adopted.text and f"{MARK} cantina" in adopted.text
    assert "Só as adotadas pelo meu município" in page.text
    by_council = c.get(f"/practices/?council={mourao}&q=xisto+balcao+07")
    assert "1 prática encontrada" in by_council.text and f"{MARK} balcão 07" in by_council.text
    # CIMBAL's coordinator has no council: no adoption filter, and it does not narrow.
    other = as_user("coordenacao@cimbal.demo")
    assert "Só as adotadas" not in other.get("/practices/").text
    assert "22 práticas encontradas" in other.get("/practices/?q=xisto&adopted=y").text
    # Nonsense in the query string does not break the page.
    odd = c.get("/practices/?consortium=abc&council=-1&page=-3&q=" + "x" * 300)
    assert odd.status_code == 200
