"""Scrubbing free text for a working group: the case's known identifiers in the forms people
type them, and generic identifier patterns that need no case."""

from __future__ import annotations

from datetime import date

import pytest

from teia.groups.scrub import NO_IDENTIFIERS, Identifiers, fold, scrub_generic
from teia.groups.vignettes import age_band, months_between

CASE = Identifiers.build(
    names=["Joaquina Maria", "Calado dos Pires", "Conceição", "Ana"],
    numbers=["215836456", "12345678901", "+351 912 345 678", "876543219"],
    codes=["2026/0042", "12345678 9 ZZ4", "P1234567"],
    emails=["Jo.Pires@mail.pt"],
    addresses=["Rua da Misericórdia 12"],
    postal_codes=["7240-233"],
    parishes=["Luz"],
    dates=[date(1979, 5, 14)],
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A JOAQUINA e a conceicao", "A [nome] e a [nome]"),
        ("Joaquína Maria Calado dos Pires", "[nome] [nome] [nome] dos [nome]"),
        ("A Ana e a Anabela", "A [nome] e a Anabela"),  # whole words only
        ("Pires-Calado", "[nome]-[nome]"),
        ("vive na Rua da Misericórdia, 12", "vive na [morada]"),
        ("perto da Misericordia", "perto da [morada]"),
        ("na rua, sem casa", "na rua, sem casa"),  # a street word alone is no address
        ("freguesia da Luz", "freguesia da [morada]"),
        ("7240 233", "[morada]"),
        ("NIF 215 836 456", "NIF [identificador]"),
        ("NIF 215.836.456", "NIF [identificador]"),
        ("NISS 123 4567 8901", "NISS [identificador]"),
        ("tel. 912345678", "tel. [identificador]"),
        ("tel. 00351 912 345 678", "tel. [identificador]"),
        ("SNS 876543219", "SNS [identificador]"),
        ("escreva para jo.pires@MAIL.pt", "escreva para [identificador]"),
        ("processo 2026/0042", "processo [identificador]"),
        ("CC 12345678 9 zz4", "CC [identificador]"),
        ("passaporte p1234567", "passaporte [identificador]"),
        ("nasceu a 14/05/1979", "nasceu a [data]"),
        ("nasceu a 14-5-79", "nasceu a [data]"),
        ("nasceu a 1979-05-14", "nasceu a [data]"),
        ("nasceu a 14 de Maio de 1979", "nasceu a [data]"),
        ("nasceu a 14 mai 1979", "nasceu a [data]"),
        ("faz anos a 14/05", "faz anos a [data]"),
        ("nascida em maio de 1979", "nascida em [data]"),
        ("nascida em 05/1979", "nascida em [data]"),
        ("nascida em 1979", "nascida em [data]"),
    ],
)
def test_known_identifiers_are_replaced_in_every_common_form(text: str, expected: str) -> None:
    assert CASE.scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("visita a 12/03/2026", "visita a [data]"),
        ("visita a 2026-03-12", "visita a [data]"),
        ("visita a 12.3.26", "visita a [data]"),
        ("visita a 12 de março de 2026", "visita a [data]"),
        ("visita a 1.º de Março", "visita a [data]"),
        ("visita a 12 MAR 2026", "visita a [data]"),
        ("visita a 12/03", "visita a [data]"),
        ("desde março de 2026", "desde março de 2026"),  # month and year: no exact day
        ("metade, 1/2 das despesas", "metade, 1/2 das despesas"),
        ("código postal 7000-123 Évora", "código postal [morada] Évora"),
        ("NIF 123456789", "NIF [identificador]"),
        ("NISS 12345678901", "NISS [identificador]"),
        ("ligue 266 123 456", "ligue [identificador]"),
        ("ligue +351 912 345 678", "ligue [identificador]"),
        ("CC 12345678 9 ZZ4", "CC [identificador]"),
        ("a.b+c@servico.gov.pt", "[identificador]"),
        ("processo 2025/1234", "processo [identificador]"),
        ("ano letivo 2025/2026", "ano letivo 2025/2026"),
        ("3 filhos, 12 meses, 450 euros", "3 filhos, 12 meses, 450 euros"),
        ("em 2024 ficou sem emprego", "em 2024 ficou sem emprego"),
    ],
)
def test_generic_patterns_need_no_case(text: str, expected: str) -> None:
    assert scrub_generic(text) == expected
    assert NO_IDENTIFIERS.scrub(text) == expected


def test_scrubbing_twice_changes_nothing_even_for_a_person_called_like_a_placeholder() -> None:
    odd = Identifiers.build(names=["Nome Data"], parishes=["Morada"])
    once = odd.scrub("Nome Data, da Morada, 215836456")
    assert once == "[nome] [nome], da [morada], [identificador]"
    assert odd.scrub(once) == once


def test_name_particles_and_short_names_are_not_identifiers() -> None:
    ids = Identifiers.build(names=["Maria dos Anjos", "Jo da Silva"])
    assert ids.scrub("dos anos de escola; jo e da") == "dos anos de escola; jo e da"
    assert ids.scrub("Anjos Silva") == "[nome] [nome]"


def test_fold_keeps_positions() -> None:
    text = "Conceição ÁVILA ß"
    assert len(fold(text)) == len(text)
    assert fold(text) == "conceicao avila ß"


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2026, 1, 1), "0\u20132"),
        (date(2023, 3, 13), "3\u20135"),
        (date(2023, 3, 12), "3\u20135"),
        (date(2023, 3, 14), "0\u20132"),  # turns 3 tomorrow
        (date(2010, 3, 12), "16\u201317"),
        (date(2008, 3, 12), "18\u201324"),
        (date(1979, 5, 14), "45\u201354"),
        (date(1941, 11, 30), "75+"),
        (None, None),
    ],
)
def test_age_bands(born: date | None, band: str | None) -> None:
    assert age_band(born, date(2026, 3, 13)) == band


def test_months_since_opening() -> None:
    assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == 1
    assert months_between(date(2026, 1, 15), date(2026, 3, 15)) == 2
    assert months_between(date(2026, 3, 15), date(2026, 3, 1)) == 0
