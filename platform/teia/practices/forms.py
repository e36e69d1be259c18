"""Forms of the library's pages (CSRF included, except the search, which only reads); the
views fill the choices, and the services refuse what the lists do not hold."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from teia.practices.labels import ADOPTION_STATUS
from teia.practices.services import AdoptionInput, PracticeInput

_required = DataRequired(message=_l("Preencha este campo."))


def as_id(value: Any) -> int | None:
    """A submitted id, or None when blank or not a number (the service then refuses it)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DayField(DateField):
    """A date (``aaaa-mm-dd``, as the browser's date picker sends it), refused in Portuguese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Escreva uma data válida.")) from None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PracticeForm(FlaskForm):
    title = StringField(_l("Título"), validators=[_required, Length(max=200)])
    consortium = SelectField(_l("Consórcio"), coerce=as_id, validate_choice=False)
    problem = TextAreaField(_l("Problema"), validators=[_required, Length(max=20_000)])
    what_was_done = TextAreaField(_l("O que foi feito"), validators=[_required, Length(max=20_000)])
    results = TextAreaField(_l("Resultados"), validators=[Length(max=20_000)])
    resources = TextAreaField(
        _l("Recursos (pessoas, tempo, custos, parceiros)"), validators=[Length(max=20_000)]
    )
    councils = CheckboxesField(_l("Municípios envolvidos"), coerce=int, validate_choice=False)
    tags = StringField(_l("Etiquetas"), validators=[Length(max=600)])
    group = SelectField(_l("Grupo de trabalho de origem"), coerce=as_id, validate_choice=False)

    def practice_input(self) -> PracticeInput:
        return PracticeInput(
            title=self.title.data or "",
            problem=self.problem.data or "",
            what_was_done=self.what_was_done.data or "",
            results=self.results.data or "",
            resources=self.resources.data or "",
            tags=self.tags.data or "",
            consortium_id=self.consortium.data,
            council_ids=list(self.councils.data or []),
            group_id=self.group.data,
        )


class ReturnForm(FlaskForm):
    note = TextAreaField(
        _l("O que mudar antes de publicar"), validators=[_required, Length(max=5000)]
    )


class AttachmentForm(FlaskForm):
    file = FileField(_l("Ficheiro"))


class AdoptionForm(FlaskForm):
    council = SelectField(_l("Município"), coerce=as_id, validate_choice=False)
    status = SelectField(
        _l("Estado"),
        choices=[SelectChoice(k, v) for k, v in ADOPTION_STATUS.items()],
        validate_choice=False,
    )
    started_on = DayField(_l("Desde"), validators=[Optional()], format="%Y-%m-%d")
    how_it_went = TextAreaField(_l("Como correu"), validators=[Length(max=10_000)])

    def adoption_input(self) -> AdoptionInput:
        return AdoptionInput(
            council_id=self.council.data,
            status=self.status.data or "",
            started_on=self.started_on.data,
            how_it_went=self.how_it_went.data or "",
        )


class SearchForm(Form):
    """The search and filters, read from the query string."""

    q = StringField(_l("Procurar"), validators=[Length(max=200)])
    tag = StringField(_l("Etiqueta"), validators=[Length(max=40)])
    consortium = SelectField(_l("Consórcio"), coerce=as_id, validate_choice=False)
    council = SelectField(_l("Município envolvido"), coerce=as_id, validate_choice=False)
    adopted = BooleanField(_l("Só as adotadas pelo meu município"))
