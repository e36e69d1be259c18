"""The JSON Schema (draft 2020-12) of one record of the indicators dataset, written from the
catalogue (:mod:`teia.reports.dataset_catalog`) in the current locale.

``docs/schemas/teia-indicators-dataset.schema.json`` is this schema in pt-PT; a test keeps
the two equal. To write it again: ``python -m teia.reports.dataset_schema``.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from teia.reports.dataset_catalog import (
    BREAKDOWN_TEXT,
    CODE_PATTERN,
    COLUMNS,
    CURRENCIES,
    INDICATORS,
    SCHEMA_VERSION,
    Breakdown,
    TerritoryType,
    Unit,
    category_labels,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = f"urn:teia:schema:indicators-dataset:{SCHEMA_VERSION}"
COUNCIL_CODE = r"^([0-9]{4}|[0-9]{7})$"  # INE's DTMN in Portugal, IBGE's code in Brazil
CONSORTIUM_CODE = r"^[a-z][a-z0-9-]*$"
CATEGORY = r"^[a-z0-9][a-z0-9_+-]*$"
PARISH = r"^[a-z0-9_]+$"


def _units() -> dict[str, str]:
    return {
        Unit.COUNT: _("Um número inteiro de pessoas, processos, candidaturas, lugares…"),
        **{
            code: _("Montante em %(currency)s, com 2 casas decimais.", currency=code)
            for code in CURRENCIES.values()
        },
        Unit.DAYS: _(
            "Dias de calendário, com 1 casa decimal (mediana ou média, como o código diz)."
        ),
        Unit.PERCENT: _("Percentagem, com 1 casa decimal."),
        Unit.RATIO: _("Razão entre duas contagens, com 1 casa decimal."),
    }


def _unit_of(unit: Unit) -> dict[str, Any]:
    if unit == Unit.MONEY:
        return {"enum": list(CURRENCIES.values())}
    return {"const": unit.value}


def _documented(codes: dict[str, Any]) -> dict[str, Any]:
    """An enumeration whose every value carries its meaning."""
    return {
        "enum": list(codes),
        "oneOf": [{"const": code, "description": str(text)} for code, text in codes.items()],
    }


def _when(name: str, value: Any, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {name: {"const": value}}}, "then": {"properties": then}}


def _categories() -> list[dict[str, Any]]:
    labels = category_labels()
    out = [
        _when(
            "breakdown",
            breakdown.value,
            {
                "category": {
                    "enum": list(codes),
                    "oneOf": [{"const": c, "title": str(label)} for c, label in codes.items()],
                }
            },
        )
        for breakdown, codes in labels.items()
    ]
    out.append(_when("breakdown", Breakdown.PARISH.value, {"category": {"pattern": PARISH}}))
    out += [
        _when("breakdown", breakdown.value, {"category": {"pattern": CODE_PATTERN}})
        for breakdown in (Breakdown.SUPPORT_TYPE, Breakdown.PARTNER_TYPE)
    ]
    return out


def _indicators() -> list[dict[str, Any]]:
    return [
        _when(
            "indicator",
            indicator.code,
            {
                "breakdown": {"enum": [b.value for b in indicator.breakdowns]},
                "unit": _unit_of(indicator.unit),
            },
        )
        for indicator in INDICATORS
    ]


def dataset_schema() -> dict[str, Any]:
    """The schema of one record (a CSV row, an element of the JSON array)."""
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": _("Teia: dados anonimizados de indicadores, um registo"),
        "description": _(
            "Um valor de um indicador, para um território e um período. O CSV tem uma linha "
            "por registo, com as colunas na ordem de «required»: UTF-8 sem BOM, vírgulas, "
            "cabeçalho, fim de linha CRLF, aspas quando preciso (RFC 4180), ponto decimal; "
            "uma célula vazia é null e suppressed é true ou false. O JSON é uma lista destes "
            "registos ($defs/dataset)."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": list(COLUMNS),
        "properties": {
            "schema_version": {
                "const": SCHEMA_VERSION,
                "description": _(
                    "A versão deste esquema: o número maior muda quando muda o sentido de um "
                    "código ou de uma coluna, o menor quando se acrescenta um indicador."
                ),
            },
            "period_start": {
                "type": "string",
                "format": "date",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "description": _("Primeiro dia do período (incluído)."),
            },
            "period_end": {
                "type": "string",
                "format": "date",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "description": _(
                    "Último dia do período (incluído). O dia de referência das contagens "
                    "«no dia de referência» é este, ou o dia da geração se ainda não passou."
                ),
            },
            "territory_type": _documented(
                {
                    TerritoryType.COUNCIL.value: _("Um município."),
                    TerritoryType.CONSORTIUM.value: _(
                        "Uma comunidade ou consórcio intermunicipal: a soma dos seus "
                        "municípios na Teia."
                    ),
                }
            ),
            "territory_code": {
                "type": "string",
                "description": _(
                    "Município: o código oficial (DTMN do INE em Portugal, 4 dígitos; código "
                    "do IBGE no Brasil, 7 dígitos). Consórcio: o seu identificador na Teia."
                ),
            },
            "indicator": {
                "description": _("O indicador, por um código estável."),
                **_documented({i.code: i.description for i in INDICATORS}),
            },
            "breakdown": {
                "description": _("A dimensão por que o valor se desagrega."),
                **_documented({b.value: BREAKDOWN_TEXT[b] for b in Breakdown}),
            },
            "category": {
                "type": "string",
                "pattern": CATEGORY,
                "description": _(
                    "A categoria da desagregação, por um código; nunca o nome de uma pessoa, "
                    "de um profissional ou de uma entidade."
                ),
            },
            "unit": {
                "description": _("A unidade do valor."),
                **_documented(_units()),
            },
            "value": {
                "type": ["number", "null"],
                "minimum": 0,
                "description": _(
                    "O valor; null quando escondido (suppressed) ou quando não se define "
                    "(a mediana de nenhum caso, a ocupação sem lugares)."
                ),
            },
            "suppressed": {
                "type": "boolean",
                "description": _(
                    "true: escondido por dizer respeito a 1 a 4 pessoas, por ser calculado a "
                    "partir de um valor escondido ou porque permitiria deduzir um valor "
                    "escondido de um total."
                ),
            },
        },
        "allOf": [
            {
                "if": {"properties": {"suppressed": {"const": True}}},
                "then": {"properties": {"value": {"type": "null"}}},
            },
            {
                "if": {
                    "properties": {
                        "unit": {"enum": [Unit.COUNT.value, *CURRENCIES.values()]},
                        "suppressed": {"const": False},
                    }
                },
                "then": {"properties": {"value": {"type": "number"}}},
            },
            _when(
                "unit",
                Unit.COUNT.value,
                {"value": {"type": ["integer", "null"]}},
            ),
            {
                "if": {"properties": {"territory_type": {"const": TerritoryType.COUNCIL.value}}},
                "then": {"properties": {"territory_code": {"pattern": COUNCIL_CODE}}},
                "else": {"properties": {"territory_code": {"pattern": CONSORTIUM_CODE}}},
            },
            *_categories(),
            *_indicators(),
        ],
        "$defs": {
            "dataset": {
                "description": _("O ficheiro JSON: a lista dos registos."),
                "type": "array",
                "items": {"$ref": "#"},
            }
        },
    }


def schema_json() -> str:
    return json.dumps(dataset_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # writes the documented copy, in pt-PT
    from pathlib import Path

    from teia import create_app

    with create_app().app_context():
        Path("docs/schemas/teia-indicators-dataset.schema.json").write_text(
            schema_json(), encoding="utf-8"
        )
