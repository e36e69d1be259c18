"""Fake people for the benchmark (households of 1 to 6, accented Portuguese names) and the
Portuguese texts of their cases.

Names fold with ``teia.people.identifiers.normalise`` into ``search_name``; NIF and NISS carry
valid check digits (checked with ``valid_nif`` / ``valid_niss``) and are unique across every
council. Surnames are drawn Zipf-like, so a few (Silva, Santos...) are shared by many households.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from teia.cases.models import EventKind
from teia.people.identifiers import normalise, valid_nif, valid_niss
from teia.people.models import Relationship

Row = dict[str, Any]
Members = list[tuple[Relationship, Row]]  # (relationship to the representative, person)
PARTICLES = frozenset({"da", "de", "do", "das", "dos"})


def names(joined: str) -> list[str]:
    return joined.split("|")


FEMALE = names(
    "Maria|Ana|Inês|Beatriz|Mariana|Joana|Sofia|Catarina|Rita|Carla|Helena|Teresa|Marta|Sara|"
    "Filipa|Leonor|Matilde|Patrícia|Conceição|Fátima|Graça|Lúcia|Célia|Mónica|Bárbara|Sónia|"
    "Amélia|Júlia|Rosário|Assunção|Irene|Luísa|Glória|Benedita|Mafalda|Vitória|Constança"
)
MALE = names(
    "João|José|António|Francisco|Pedro|Tiago|Rui|Luís|Paulo|Miguel|Nuno|Ricardo|Diogo|Gonçalo|"
    "Bruno|Hugo|Vasco|Duarte|Simão|Estêvão|Nélson|Sérgio|Rúben|Tomás|Joaquim|Manuel|Fernando|"
    "Álvaro|Aurélio|Cândido|Martim|Salvador|Rodrigo|Afonso|Henrique|Sebastião|Valério"
)
# Most frequent first: the draw is Zipf-like, so some surnames are shared by many households.
SURNAMES = names(
    "Silva|Santos|Ferreira|Pereira|Oliveira|Costa|Rodrigues|Martins|Jesus|Sousa|Fernandes|"
    "Gonçalves|Gomes|Lopes|Marques|Alves|Almeida|Ribeiro|Pinto|Carvalho|Teixeira|Moreira|"
    "Correia|Mendes|Nunes|Soares|Vieira|Monteiro|Cardoso|Rocha|Raposo|Neves|Coelho|Cruz|"
    "Cunha|Pires|Ramos|Reis|Simões|Antunes|Matos|Fonseca|Conceição|Brandão|Falcão|Guimarães|"
    "Magalhães|Lourenço|Baptista|Sequeira|Tavares|Amaral|Serrão|Leitão|Caeiro|Galvão|Romão|"
    "Patrício|Sá|Assunção"
)
SURNAME_WEIGHTS = [1 / (rank + 2) for rank in range(len(SURNAMES))]
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (30, 25, 20, 13, 8, 4)  # 2.56 people on average
STREETS = names("Rua|Travessa|Largo|Avenida|Beco|Rua Direita de|Bairro de|Estrada de|Praceta")
REASONS = (
    "Pedido de apoio alimentar e ao pagamento da renda.",
    "Sinalização pela escola: absentismo e falta de acompanhamento familiar.",
    "Situação de despejo iminente; agregado sem alternativa habitacional.",
    "Idoso a viver só, sem retaguarda familiar, com dependência crescente.",
    "Perda de emprego do elemento de referência; dívidas acumuladas.",
    "Sinalização pelo centro de saúde: doença crónica sem acompanhamento.",
    "Violência doméstica reportada; necessidade de proteção e acolhimento.",
)
EVENT_TEXTS = {
    EventKind.CONTACT: (
        "Contacto telefónico com a utente; confirmou a entrega dos documentos em falta.",
        "Contacto com a escola sobre a assiduidade das crianças; melhorias desde o último mês.",
        "Contacto com o senhorio, que aceita um plano de pagamento das rendas em atraso.",
    ),
    EventKind.HOME_VISIT: (
        "Visita domiciliária: habitação com humidade e sem aquecimento; agregado colaborante.",
        "Visita domiciliária: o idoso mantém a higiene, mas a alimentação é irregular.",
        "Visita domiciliária sem ninguém em casa; deixado aviso para contacto.",
    ),
    EventKind.MEETING: (
        "Reunião de parceria com o centro de saúde e a escola para rever o plano.",
        "Atendimento presencial: revisto o orçamento familiar e as despesas fixas.",
        "Reunião com a família para negociar os objetivos do plano de intervenção.",
    ),
    EventKind.NOTE: (
        "Nota: aguardar a decisão da Segurança Social sobre a prestação requerida.",
        "Nota: pedido de apoio económico enviado para decisão superior.",
        "Nota interna sobre a dinâmica familiar; a rever na próxima reunião de equipa.",
    ),
}
GOALS = (
    "Garantir habitação condigna e estável.",
    "Regularizar a situação escolar das crianças.",
    "Assegurar o acompanhamento médico regular.",
    "Aumentar os rendimentos do agregado.",
    "Reforçar a rede de apoio informal.",
    "Organizar o orçamento familiar e reduzir as dívidas.",
)
ACTIONS = (
    "Candidatura a apoio ao arrendamento.",
    "Inscrição no IEFP e acompanhamento da procura de emprego.",
    "Marcação de consulta de medicina geral e familiar.",
    "Pedido de Rendimento Social de Inserção.",
    "Integração em resposta de apoio domiciliário.",
    "Acompanhamento escolar semanal com o diretor de turma.",
    "Entrega de cabaz alimentar mensal.",
)


def nif(body: int) -> str:
    """Eight digits (a person's NIF starts 1 or 2) and the mod-11 check digit."""
    digits = f"{body:08d}"
    check = 11 - sum(int(d) * (9 - i) for i, d in enumerate(digits)) % 11
    value = digits + str(0 if check >= 10 else check)
    assert valid_nif(value), value
    return value


NISS_WEIGHTS = (29, 23, 19, 17, 13, 11, 7, 5, 3, 2)


def niss(body: int) -> str:
    digits = f"{body:010d}"
    check = 9 - sum(int(d) * w for d, w in zip(digits, NISS_WEIGHTS, strict=True)) % 10
    value = digits + str(check)
    assert valid_niss(value), value
    return value


class PeopleMaker:
    """Households and their people, one council at a time; ``total`` people at most."""

    def __init__(self, rng: random.Random, now: datetime, total: int) -> None:
        self.rng = rng
        self.now = now
        self.today = now.date()
        # Identifiers drawn without replacement: unique across every council.
        self.nifs = iter(rng.sample(range(10_000_000, 30_000_000), total))
        self.nisses = iter(rng.sample(range(1_000_000_000, 2_000_000_000), total))

    def households(
        self, tenant_id: int, parishes: list[str], n_persons: int
    ) -> tuple[list[Row], list[Members]]:
        """Households (rows) and their members (representative first)."""
        rng = self.rng
        households: list[Row] = []
        people: list[Members] = []
        left = n_persons
        while left > 0:
            size = min(left, rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0])
            left -= size
            households.append(
                {
                    "tenant_id": tenant_id,
                    "address": f"{rng.choice(STREETS)} {rng.choice(SURNAMES)}, "
                    f"n.º {rng.randint(1, 240)}",
                    "postal_code": f"{rng.randint(1000, 9999)}-{rng.randint(1, 999):03d}",
                    "parish": rng.choice(parishes),
                    "created_at": self.now,
                }
            )
            people.append(self.household(tenant_id, size))
        return households, people

    def household(self, tenant_id: int, size: int) -> Members:
        rng = self.rng
        surname = self.surname()
        age = rng.randint(20, 88)
        rep = self.person(tenant_id, age, f"{self.surname()} {surname}")
        group = [(Relationship.REPRESENTATIVE, rep)]
        partner_surname = self.surname()
        for i in range(1, size):
            if i == 1 and rng.random() < 0.55:
                kin, kin_age = Relationship.SPOUSE, age + rng.randint(-6, 6)
                family = f"{self.surname()} {partner_surname}"
            else:
                kin = rng.choices(
                    [
                        Relationship.CHILD,
                        Relationship.GRANDCHILD,
                        Relationship.PARENT,
                        Relationship.SIBLING,
                        Relationship.OTHER_RELATIVE,
                        Relationship.OTHER,
                    ],
                    [70, 8, 8, 6, 5, 3],
                )[0]
                kin_age = {
                    Relationship.CHILD: age - rng.randint(18, 42),
                    Relationship.GRANDCHILD: age - rng.randint(40, 60),
                    Relationship.PARENT: age + rng.randint(18, 35),
                    Relationship.SIBLING: age + rng.randint(-10, 10),
                }.get(kin, rng.randint(5, 80))
                family = (
                    f"{partner_surname} {surname}"
                    if kin in (Relationship.CHILD, Relationship.GRANDCHILD)
                    else f"{self.surname()} {surname if kin != Relationship.OTHER else ''}"
                )
            group.append((kin, self.person(tenant_id, max(0, min(kin_age, 100)), family.strip())))
        return group

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def person(self, tenant_id: int, age: int, family: str) -> Row:
        rng = self.rng
        sex = rng.choice("FM")
        names = FEMALE if sex == "F" else MALE
        given = " ".join(rng.sample(names, 1 if rng.random() < 0.6 else 2))
        if rng.random() < 0.15:
            family = f"{family.split()[0]} {rng.choice(['da', 'dos', 'de'])} {family}"
        born = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        adult = age >= 16
        return {
            "tenant_id": tenant_id,
            "given_names": given,
            "family_names": family,
            "search_name": normalise(f"{given} {family}"),
            "birth_date": born if rng.random() < 0.97 else None,
            "sex": sex,
            "nif": nif(next(self.nifs)) if adult or rng.random() < 0.6 else None,
            "niss": niss(next(self.nisses)) if adult or rng.random() < 0.3 else None,
            "sns": f"{rng.randint(100_000_000, 999_999_999)}" if rng.random() < 0.8 else None,
            "phone": f"9{rng.randint(10_000_000, 99_999_999)}" if adult else None,
            "email": None,
            "merged_into_id": None,
            "anonymised_at": None,
            "submission_key": None,
            "created_by_id": None,
            "created_at": self.now,
            "updated_at": self.now,
        }
