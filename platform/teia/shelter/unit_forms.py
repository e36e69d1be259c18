"""Forms of the unit pages (CSRF included); choices are filled by the views, and a choice the
lists do not hold is refused by the services with a message in Portuguese."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from teia.shelter.labels import SEX_RULE
from teia.shelter.units import MAX_NEW_PLACES, PoolChoice, UnitInput

_required = DataRequired(message=_l("Preencha este campo."))


def as_id(value: Any) -> int | None:
    """A submitted id, or None when blank or not a number (the service then refuses it)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CountField(IntegerField):
    """A whole number, refused in Portuguese when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Escreva um número inteiro.")) from None


class UnitForm(FlaskForm):
    name = StringField(_l("Nome da unidade"), validators=[_required, Length(max=200)])
    operator = SelectField(_l("Entidade gestora"), coerce=as_id, validate_choice=False)
    modality = SelectField(_l("Modalidade de acolhimento"), validate_choice=False)
    sex_rule = SelectField(
        _l("Destina-se a"),
        choices=[SelectChoice(k, v) for k, v in SEX_RULE.items()],
        validate_choice=False,
    )
    accessible = BooleanField(_l("Acessível (sem degraus, casa de banho adaptada)"))
    intensive_care = BooleanField(_l("Cuidados intensivos (enfermagem 24 h, dependência)"))
    parish = SelectField(_l("Freguesia"), validate_choice=False)
    phone = StringField(_l("Telefone"), validators=[Optional(), Length(max=30)])

    def unit_input(self) -> UnitInput:
        return UnitInput(
            name=self.name.data or "",
            operator_id=self.operator.data,
            modality=self.modality.data or "",
            sex_rule=self.sex_rule.data or "",
            accessible=bool(self.accessible.data),
            intensive_care=bool(self.intensive_care.data),
            parish=self.parish.data or None,
            phone=self.phone.data or None,
        )


class AddPlacesForm(FlaskForm):
    public = SelectField(_l("Público"), validate_choice=False)
    count = CountField(
        _l("Número de vagas (até %(n)s)", n=MAX_NEW_PLACES),
        validators=[InputRequired(message=_l("Preencha este campo."))],
        default=1,
    )
    prefix = StringField(
        _l("Prefixo das etiquetas"), validators=[_required, Length(max=30)], default=_l("Cama")
    )
    pools = CheckboxesField(_l("Oferecer aos conjuntos de"), coerce=as_id, validate_choice=False)

    def pool_choices(self) -> list[PoolChoice]:
        return [PoolChoice(c) for c in self.pools.data or [] if c is not None]


class PoolRow(Form):
    """One consortium the host council belongs to: whether the place is in its pool, and
    whether it is reserved for one of its member councils."""

    consortium_id = HiddenField()
    offered = BooleanField()
    reserved_for = SelectField(_l("Quota reservada para"), coerce=as_id, validate_choice=False)


class PoolsForm(FlaskForm):
    rows = FieldList(FormField(PoolRow))

    def pool_choices(self) -> list[PoolChoice]:
        chosen = []
        for row in self.rows:
            consortium_id = as_id(row.form.consortium_id.data)
            if consortium_id is not None and row.form.offered.data:
                chosen.append(PoolChoice(consortium_id, row.form.reserved_for.data))
        return chosen


class BlockForm(FlaskForm):
    reason = StringField(_l("Motivo do bloqueio"), validators=[_required, Length(max=500)])


class AnswerForm(FlaskForm):
    decision = RadioField(
        _l("Resposta"),
        choices=[
            SelectChoice("accept", _l("Aceitar a vaga")),
            SelectChoice("refuse", _l("Recusar")),
        ],
        validators=[DataRequired(message=_l("Escolha aceitar ou recusar."))],
        validate_choice=False,
    )
    reason = TextAreaField(_l("Motivo da recusa"), validators=[Optional(), Length(max=2000)])
