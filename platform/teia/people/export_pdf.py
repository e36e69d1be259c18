"""The person export (:func:`teia.people.export.person_export`) as a readable A4 PDF.

fpdf2's core font (Helvetica) covers latin-1, which holds every Portuguese letter, so no font
file is needed and the PDF is the same on any machine; other characters are transliterated
(``€`` → ``EUR``, curly quotes → straight ones, ``ő`` → ``o``) or, failing that, shown as
``?``. Free text is laid out as label/value lines, which break across pages however long the
text; tables only hold short values (a table row cannot span two pages).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from teia.cases.labels import (
    ACTION_STATUS,
    AREA,
    CASE_STATUS,
    DOCUMENT_KIND,
    EVENT_KIND,
    LEGAL_BASIS,
    REFERRAL_STATUS,
    RELATIONSHIP,
    RISK_FLAG,
    SECTION,
)

FONT = "Helvetica"
LABEL_WIDTH = 48
PERSON_FIELD = {
    "given_names": _l("Nome próprio"),
    "family_names": _l("Apelidos"),
    "birth_date": _l("Data de nascimento"),
    "sex": _l("Sexo"),
    "nif": _l("NIF"),
    "niss": _l("NISS"),
    "sns": _l("N.º de utente do SNS"),
    "phone": _l("Telefone"),
    "email": _l("Correio eletrónico"),
}
SEX = {"F": _l("Feminino"), "M": _l("Masculino"), "X": _l("Não especificado")}
PLAN_STATUS = {"active": _l("Em vigor"), "superseded": _l("Substituída")}
CASE_ROLE = {
    "case_person": _l("Pessoa para quem o processo foi aberto"),
    "household_member": _l("Membro do agregado familiar"),
}
AUDIT_ACTION = {
    "case.read": _l("Consulta"),
    "case.opened": _l("Abertura do processo"),
    "case.status_changed": _l("Mudança de estado"),
    "case.shared": _l("Partilha com entidade parceira"),
    "case.share_revoked": _l("Partilha revogada"),
    "case.emergency_access": _l("Acesso de emergência"),
    "case.anonymised": _l("Anonimização"),
    "plan.saved": _l("Plano de intervenção guardado"),
    "plan_action.updated": _l("Ação do plano atualizada"),
    "referral.created": _l("Encaminhamento"),
    "referral.answered": _l("Resposta a encaminhamento"),
    "person.created": _l("Registo da pessoa"),
    "person.rectified": _l("Retificação"),
    "person.merged": _l("Fusão de registos"),
    "consent.recorded": _l("Consentimento registado"),
    "consent.revoked": _l("Consentimento revogado"),
}
# Characters outside latin-1 that have a faithful plain spelling (escaped: they look alike).
_PLAIN = str.maketrans(
    {
        "\u20ac": "EUR",  # euro sign
        "\u2018": "'",  # curly single quotes
        "\u2019": "'",
        "\u201a": ",",
        "\u201b": "'",
        "\u201c": '"',  # curly double quotes
        "\u201d": '"',
        "\u201e": '"',
        "\u2039": "<",  # single angle quotes
        "\u203a": ">",
        "\u2010": "-",  # hyphens, dashes and minus
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",  # ellipsis
        "\u2022": "-",  # bullet
        "\u2009": " ",  # thin and narrow no-break spaces
        "\u202f": " ",
        "\u200b": "",  # zero-width space
        "\r": "",
        "\t": " ",
    }
)


def latin1(text: object) -> str:
    """``text`` as the core fonts can print it: Portuguese intact, the rest made plain."""
    value = unicodedata.normalize("NFC", str(text)).translate(_PLAIN)
    out = []
    for char in value:
        if ord(char) < 256:
            out.append(char if char == "\n" or char.isprintable() else " ")
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(plain if plain and all(ord(c) < 256 for c in plain) else "?")
    return "".join(out)


class A4Document(FPDF):
    """An A4 page in Portuguese with a footer line and the page count: Teia's PDFs."""

    def __init__(self, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer = footer
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_lang("pt-PT")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "I", 8)
        page = _("Página %(page)s de %(total)s", page=self.page_no(), total=self.str_alias_nb_pages)
        self.cell(0, 6, latin1(f"{self._footer} · {page}"), align="C")


class _Document(A4Document):
    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 13, 2: 11, 3: 10}[level]
        self.ln(4 if level == 1 else 2)
        if self.will_page_break(size * 2):
            self.add_page()
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, latin1(text), align="L", **_NEXT_LINE)
        if level == 1:
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def fields(self, pairs: Sequence[tuple[str, Any]], indent: float = 0) -> None:
        """Label and value lines; a long value wraps and breaks across pages."""
        for label, value in pairs:
            self.set_x(self.l_margin + indent)
            self.set_font(FONT, "B", 9)
            self.cell(LABEL_WIDTH, 5, latin1(label), new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FONT, "", 9)
            text = "-" if value is None or value == "" else str(value)
            self.multi_cell(0, 5, latin1(text), align="L", **_NEXT_LINE)

    def item(self, title: str, pairs: Sequence[tuple[str, Any]], indent: float = 0) -> None:
        """One entry of a list: a bold title line, then its fields."""
        if self.will_page_break(12):
            self.add_page()
        self.ln(1)
        self.set_x(self.l_margin + indent)
        self.set_font(FONT, "B", 9)
        self.multi_cell(0, 5, latin1(title), align="L", **_NEXT_LINE)
        self.fields(pairs, indent + 4)

    def note(self, text: str) -> None:
        self.set_font(FONT, "I", 9)
        self.multi_cell(0, 5, latin1(text), align="L", **_NEXT_LINE)

    def rows(
        self, headings: Sequence[str], rows: list[Sequence[Any]], widths: Sequence[int]
    ) -> None:
        """A table of short values (each under a few hundred characters)."""
        if not rows:
            self.note(_("Sem registos."))
            return
        self.set_font(FONT, "", 8)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.2,
            padding=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232)),
        ) as table:
            for values in [headings, *rows]:
                row = table.row()
                for value in values:
                    row.cell(latin1("-" if value is None or value == "" else value))
        self.ln(2)


_NEXT_LINE: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def person_export_pdf(data: Mapping[str, Any]) -> bytes:
    """The export as an A4 document in Portuguese, with page numbers."""
    council = data["council"]
    tz = ZoneInfo(council["timezone"])
    person = data["person"]
    name = f"{person['given_names']} {person['family_names']}".strip()
    pdf = _Document(f"Teia · {council['name']}")
    pdf.set_title(latin1(_("Dados pessoais de %(name)s", name=name)))
    pdf.set_author(latin1(council["name"]))

    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, latin1(_("Dados pessoais de %(name)s", name=name)), **_NEXT_LINE)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        0,
        5,
        latin1(
            _(
                "Informação tratada por %(council)s, exportada a %(when)s a pedido do titular "
                "(direito de acesso, artigo 15.º do RGPD).",
                council=council["name"],
                when=_time(data["generated_at"], tz),
            )
        ),
        align="L",
        **_NEXT_LINE,
    )

    pdf.heading(_("Identificação"))
    pdf.fields(
        [(str(PERSON_FIELD[k]), _value(k, person[k])) for k in PERSON_FIELD]
        + [
            (_("Registado em"), _time(person["created_at"], tz)),
            (_("Anonimizado em"), _time(person["anonymised_at"], tz)),
        ]
    )
    pdf.heading(_("Documentos de identificação"))
    pdf.rows(
        [_("Tipo"), _("Número"), _("Válido até")],
        [
            [_label(DOCUMENT_KIND, d["kind"]), d["number"], _date(d["valid_until"])]
            for d in data["documents"]
        ],
        (2, 2, 1),
    )
    _history(pdf, data, tz)
    _households(pdf, data["households"])
    pdf.heading(_("Processos"))
    if not data["cases"]:
        pdf.note(_("Sem processos."))
    for case in data["cases"]:
        _case(pdf, case, tz)
    _consents(pdf, data["consents"], tz)
    pdf.heading(_("Registo de acessos aos processos e ao registo pessoal"))
    pdf.rows(
        [_("Data"), _("Quem"), _("Ação"), _("Processo"), _("Finalidade")],
        [
            [
                _time(e["at"], tz),
                e["who"] or _("Sistema"),
                _label(AUDIT_ACTION, e["action"]),
                e["case"],
                e["purpose"],
            ]
            for e in data["access_log"]
        ],
        (3, 4, 4, 2, 5),
    )
    return bytes(pdf.output())


def _history(pdf: _Document, data: Mapping[str, Any], tz: ZoneInfo) -> None:
    pdf.heading(_("Histórico de retificações"))
    if not data["rectifications"]:
        pdf.note(_("Sem retificações."))
    for change in data["rectifications"]:
        field = change["field"]
        pdf.item(
            f"{_time(change['changed_at'], tz)} · {_label(PERSON_FIELD, field)}",
            [
                (_("Valor anterior"), _value(field, change["old_value"])),
                (_("Valor novo"), _value(field, change["new_value"])),
                (_("Motivo"), change["reason"]),
                (_("Alterado por"), change["changed_by"]),
            ],
        )
    pdf.heading(_("Registos duplicados fundidos neste"))
    if not data["merges"]:
        pdf.note(_("Sem fusões."))
    for merge in data["merges"]:
        snapshot = merge["snapshot"]
        pdf.item(
            f"{_time(merge['merged_at'], tz)} · {_('Registo n.º %(id)s', id=merge['merged_id'])}",
            [(str(label), _value(k, snapshot.get(k))) for k, label in PERSON_FIELD.items()]
            + [
                (
                    _("Documentos"),
                    "; ".join(
                        f"{_label(DOCUMENT_KIND, d['kind'])} {d['number']}"
                        for d in snapshot.get("documents", [])
                    ),
                ),
                (_("Motivo"), merge["reason"]),
                (_("Fundido por"), merge["merged_by"]),
            ],
        )


def _households(pdf: _Document, households: list[dict[str, Any]]) -> None:
    pdf.heading(_("Agregados familiares"))
    if not households:
        pdf.note(_("Sem agregado familiar registado."))
    for household in households:
        others = "; ".join(
            f"{m['name']} ({_label(RELATIONSHIP, m['relationship'])})"
            for m in household["other_members"]
        )
        pdf.item(
            _("Agregado n.º %(id)s", id=household["id"]),
            [
                (_("Morada"), household["address"]),
                (_("Código postal"), household["postal_code"]),
                (_("Freguesia"), household["parish"]),
                (_("Relação com o representante"), _label(RELATIONSHIP, household["relationship"])),
                (_("Entrada"), _date(household["joined_on"])),
                (_("Saída"), _date(household["left_on"])),
                (_("Outros membros"), others),
            ],
        )


def _case(pdf: _Document, case: Mapping[str, Any], tz: ZoneInfo) -> None:
    pdf.heading(_("Processo %(number)s", number=case["number"]), 2)
    pdf.fields(
        [
            (_("Papel no processo"), _label(CASE_ROLE, case["role"])),
            (_("Estado"), _label(CASE_STATUS, case["status"])),
            (_("Motivo do estado"), case["status_reason"]),
            (_("Aberto em"), _date(case["opened_on"])),
            (_("Encerrado em"), _date(case["closed_on"])),
            (_("Anonimizado em"), _time(case["anonymised_at"], tz)),
            (_("Gestor/a de caso"), case["manager"]),
            (_("Motivo de abertura"), case["opening_reason"]),
            (_("Áreas"), ", ".join(_label(AREA, a) for a in case["areas"])),
            (
                _("Sinalizações de risco"),
                ", ".join(_label(RISK_FLAG, r) for r in case["risk_flags"]),
            ),
        ]
    )
    pdf.heading(_("Diagnóstico"), 3)
    if not case["diagnosis"]:
        pdf.note(_("Sem diagnóstico."))
    for area in case["diagnosis"]:
        pdf.item(
            _label(AREA, area["area"]),
            [
                (_("Necessidades"), area["needs"]),
                (_("Potencialidades"), area["potentials"]),
                (_("Rede de suporte"), area["support_network"]),
            ],
        )
    pdf.heading(_("Plano de intervenção"), 3)
    if not case["plans"]:
        pdf.note(_("Sem plano."))
    for plan in case["plans"]:
        pdf.item(
            _(
                "Versão %(version)s (%(status)s)",
                version=plan["version"],
                status=_label(PLAN_STATUS, plan["status"]),
            ),
            [
                (_("Acordado com a família em"), _date(plan["agreed_on"])),
                (_("Revisão em"), _date(plan["review_on"])),
                (_("Elaborado por"), plan["created_by"]),
            ],
        )
        for position, goal in enumerate(plan["goals"], start=1):
            pdf.item(_("Objetivo %(n)s: %(text)s", n=position, text=goal["description"]), [], 4)
            for action in goal["actions"]:
                responsible = [action["responsible_user"], action["responsible_organisation"]]
                pdf.item(
                    action["description"],
                    [
                        (_("Responsável"), ", ".join(r for r in responsible if r)),
                        (_("Prazo"), _date(action["due_on"])),
                        (_("Estado"), _label(ACTION_STATUS, action["status"])),
                        (_("Notas de progresso"), action["progress_note"]),
                    ],
                    8,
                )
    _case_lists(pdf, case, tz)


def _case_lists(pdf: _Document, case: Mapping[str, Any], tz: ZoneInfo) -> None:
    pdf.heading(_("Encaminhamentos"), 3)
    if not case["referrals"]:
        pdf.note(_("Sem encaminhamentos."))
    for referral in case["referrals"]:
        pdf.item(
            f"{_time(referral['requested_at'], tz)} · {referral['organisation']}",
            [
                (_("Área"), _label(AREA, referral["area"])),
                (_("Pedido"), referral["request"]),
                (_("Resposta até"), _date(referral["respond_by"])),
                (_("Estado"), _label(REFERRAL_STATUS, referral["status"])),
                (_("Pedido por"), referral["requested_by"]),
                (_("Motivo da resposta"), referral["response_reason"]),
                (_("Resultado"), referral["outcome"]),
            ],
        )
    pdf.heading(_("Registos do processo"), 3)
    if not case["timeline"]:
        pdf.note(_("Sem registos."))
    for entry in case["timeline"]:
        title = f"{_time(entry['occurred_at'], tz)} · {_label(EVENT_KIND, entry['kind'])}"
        if entry["confidential"]:
            title += " · " + _("CONFIDENCIAL")
        pdf.item(title, [(_("Autor/a"), entry["author"]), (_("Registo"), entry["text"])])
    pdf.heading(_("Partilhas com entidades parceiras"), 3)
    if not case["shares"]:
        pdf.note(_("Sem partilhas."))
    for share in case["shares"]:
        pdf.item(
            f"{share['organisation']} · {_('ativa') if share['active'] else _('inativa')}",
            [
                (_("Secções"), ", ".join(_label(SECTION, s) for s in share["sections"])),
                (
                    _("Áreas do diagnóstico"),
                    ", ".join(_label(AREA, a) for a in share["diagnosis_areas"]),
                ),
                (_("Finalidade"), share["purpose"]),
                (_("Fundamento"), _label(LEGAL_BASIS, share["legal_basis"])),
                (_("Norma legal"), share["legal_reference"]),
                (_("Partilhado em"), _time(share["created_at"], tz)),
                (_("Expira em"), _date(share["expires_on"])),
                (_("Revogada em"), _time(share["revoked_at"], tz)),
            ],
        )
    pdf.heading(_("Acessos de emergência"), 3)
    if not case["emergency_accesses"]:
        pdf.note(_("Sem acessos de emergência."))
    for access in case["emergency_accesses"]:
        pdf.item(
            f"{_time(access['granted_at'], tz)} · {access['user']} ({access['organisation']})",
            [(_("Motivo"), access["reason"]), (_("Válido até"), _time(access["expires_at"], tz))],
        )


def _consents(pdf: _Document, consents: list[dict[str, Any]], tz: ZoneInfo) -> None:
    pdf.heading(_("Consentimentos"))
    if not consents:
        pdf.note(_("Sem consentimentos registados."))
    for consent in consents:
        pdf.item(
            _("Consentimento de %(d)s", d=_date(consent["given_on"])),
            [
                (_("Dado por"), consent["given_by"]),
                (_("Âmbito"), consent["scope"]),
                (_("Válido até"), _date(consent["valid_until"])),
                (_("Revogado em"), _time(consent["revoked_at"], tz)),
            ],
        )


def _label(labels: Mapping[Any, Any], code: str | None) -> str:
    if code is None:
        return ""
    return str(labels.get(code, code))


def _value(field: str, value: str | None) -> str | None:
    if value and field == "birth_date":
        return _date(value)
    if value and field == "sex":
        return _label(SEX, value)
    return value


def _date(iso: str | None) -> str | None:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else None


def _time(iso: str | None, tz: ZoneInfo) -> str | None:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%d/%m/%Y %H:%M") if iso else None
