"""Portuguese for everyone: pt-PT by default, pt-BR in Brazilian councils."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

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
    app.context_processor(template_gettext)


def template_gettext() -> dict[str, Callable[..., str]]:
    """The templates' ``_``, ``gettext`` and ``ngettext`` for one render, bound to the request's
    catalogue once. Flask-Babel's own look the catalogue up again for every string (the
    request's locale, domain and cache through Flask's context proxies, about 10 µs each), and
    an application page has 150 to 250 strings. They behave as Jinja's "newstyle" ones: the
    text is a format string, its variables escaped where the template autoescapes (the
    catalogue's text is ours, hence trusted as markup)."""
    translations = get_translations()

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        text = translations.ugettext(message)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}
