"""The form that asks for a report: which one and for what period."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired

from teia.reports.definitions import ScopeKind, for_scope


class RunForm(FlaskForm):
    kind = SelectField(_l("Relatório"))
    start = DateField(_l("De"), validators=[InputRequired()], format="%Y-%m-%d")
    end = DateField(_l("Até"), validators=[InputRequired()], format="%Y-%m-%d")

    def __init__(self, scope: ScopeKind, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.kind.choices = [(d.code, str(d.label)) for d in for_scope(scope)]
