"""The simulator page's form: fixed blank rows (no JavaScript), read into the API's
``SimulationIn`` so the page and the API accept the same households; errors name the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from teia.regulations.schemas_api import SimulationIn

MEMBER_ROWS = 6
INCOME_ROWS = 6
EXPENSE_ROWS = 5
ITEM_ROWS = 4
MEMBER_FLAGS = ("disabled", "dependent", "emancipated", "unemployed")
# A form row's fields, by the list they fill in the body.
_ROWS = {
    ("household", "members"): "member",
    ("household", "incomes"): "income",
    ("household", "expenses"): "expense",
    ("request", "items"): "item",
}


@dataclass
class SimulatorForm:
    """What the technician typed (to show it back) and the problems, by field name."""

    values: Mapping[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)  # list name -> form row numbers

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


def _amount(text: str) -> str:
    """``1.234,56`` or ``1234.56`` as ``1234.56`` (pydantic says what is wrong otherwise)."""
    text = text.strip().replace(" ", "").replace("€", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def _filled(form: MultiDict[str, str], prefix: str, names: tuple[str, ...]) -> bool:
    return any(form.get(f"{prefix}{n}", "").strip() for n in names)


def read_form(
    form: MultiDict[str, str], conditions: list[str]
) -> tuple[SimulationIn | None, SimulatorForm]:
    """The household and request typed in the form; blank rows are ignored."""
    result = SimulatorForm(values=form)
    members, incomes, expenses, items = [], [], [], []
    rows: dict[str, list[int]] = {"member": [], "income": [], "expense": [], "item": []}
    applicant = form.get("applicant", "1")
    for n in range(1, MEMBER_ROWS + 1):
        p = f"member-{n}-"
        if not _filled(form, p, ("age", "relationship")):
            continue
        member: dict[str, Any] = {
            "age": form.get(p + "age", "").strip() or None,
            "relationship": form.get(p + "relationship", ""),
            "applicant": applicant == str(n),
        }
        member.update({flag: bool(form.get(p + flag)) for flag in MEMBER_FLAGS})
        members.append(member)
        rows["member"].append(n)
    for n in range(1, INCOME_ROWS + 1):
        p = f"income-{n}-"
        if not _filled(form, p, ("amount",)):
            continue
        incomes.append(
            {
                "source": form.get(p + "source", ""),
                "amount": _amount(form.get(p + "amount", "")),
                "period": form.get(p + "period", "monthly"),
            }
        )
        rows["income"].append(n)
    for n in range(1, EXPENSE_ROWS + 1):
        p = f"expense-{n}-"
        if not _filled(form, p, ("monthly_amount",)):
            continue
        expenses.append(
            {
                "kind": form.get(p + "kind", ""),
                "monthly_amount": _amount(form.get(p + "monthly_amount", "")),
            }
        )
        rows["expense"].append(n)
    for n in range(1, ITEM_ROWS + 1):
        p = f"item-{n}-"
        if not form.get(p + "support_type"):
            continue
        quotes = [q for q in re.split(r"[;\s]+", form.get(p + "quotes", "").strip()) if q]
        items.append(
            {
                "support_type": form.get(p + "support_type", ""),
                "amount": _amount(form.get(p + "amount", "")) or None,
                "quotes": [_amount(q) for q in quotes],
                "units": form.get(p + "units", "").strip() or None,
            }
        )
        rows["item"].append(n)
    other = form.get("other_support_same_purpose", "")
    waivers = {
        c: form.get(f"waiver-{c}", "").strip()
        for c in conditions
        if form.get(f"waive-{c}") or form.get(f"waiver-{c}", "").strip()
    }
    payload = {
        "household": {
            "members": members,
            "incomes": incomes,
            "expenses": expenses,
            "residence_months": form.get("residence_months", "").strip() or None,
            "debts_to_council": form.get("debts_to_council") or None,
            "other_support_same_purpose": {"yes": True, "no": False}.get(other),
            "social_emergency": bool(form.get("social_emergency")),
        },
        "request": {
            "items": items,
            "waivers": waivers,
            "evidence": form.getlist("evidence"),
            "payment_method": form.get("payment_method") or None,
        },
        "on": form.get("on") or None,
    }
    result.rows = rows
    try:
        return SimulationIn.model_validate(payload), result
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            name = _field_name(err["loc"], rows)
            result.errors.setdefault(name, _message(name, err["type"]))
        return None, result


def _field_name(loc: tuple[int | str, ...], rows: dict[str, list[int]]) -> str:
    """The form field an error is about: ``household.members.0.age`` → ``member-1-age``."""
    prefix = _ROWS.get((str(loc[0]), str(loc[1]))) if len(loc) > 1 else None
    if prefix is not None:
        if len(loc) < 4:
            return "members" if prefix == "member" else f"{prefix}s"
        number = rows[prefix][int(loc[2])]
        return f"{prefix}-{number}-{loc[3]}"
    if loc[:2] == ("request", "waivers") and len(loc) > 2:
        return f"waiver-{loc[2]}"
    return str(loc[-1]) if loc else "form"


def _message(name: str, kind: str) -> str:
    """The problem in Portuguese, by pydantic's error type."""
    if name == "members":
        return _("Indique pelo menos um membro do agregado (idade e relação).")
    if name == "items":
        return _("Escolha pelo menos um tipo de apoio pedido.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Indique um número inteiro.")
    if kind.startswith("decimal"):
        return _("Indique um valor em euros com até 2 casas decimais, p. ex. 120,50.")
    if kind in ("greater_than_equal", "less_than_equal", "too_long"):
        return _("Valor fora dos limites admitidos.")
    if kind.startswith("date"):
        return _("Indique uma data válida.")
    if kind == "missing":
        return _("Preencha este campo.")
    return _("Escolha uma das opções.")
