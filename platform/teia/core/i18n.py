"""Portuguese for everyone: pt-PT by default, pt-BR in Brazilian councils."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel

SUPPORTED = ("pt_PT", "pt_BR")
babel = Babel()


def select_locale() -> str:
    tenant = g.get("tenant")
    if tenant is not None:
        return tenant.locale
    consortium = g.get("consortium")
    if consortium is not None:
        return "pt_BR" if consortium.country == "BR" else "pt_PT"
    best = request.accept_languages.best_match(["pt-PT", "pt-BR", "pt"]) if request else None
    return "pt_BR" if best == "pt-BR" else "pt_PT"


def init_app(app: Flask) -> None:
    translations = Path(__file__).resolve().parents[1] / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(translations))
    babel.init_app(app, locale_selector=select_locale)
