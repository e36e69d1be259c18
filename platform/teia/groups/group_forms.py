"""Forms of the working-group pages (CSRF included). Choices are filled by the views; a choice
the lists do not hold is refused by the services with a message in Portuguese."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from teia.groups.constraints import STATUS_LABELS, ConstraintInput, ConstraintProgress
from teia.groups.groups import GroupInput
from teia.groups.models import MemberRole

_required = DataRequired(message=_l("Preencha este campo."))

ROLE_LABELS = {
    MemberRole.MEMBER: _l("Membro"),
    MemberRole.COORDINATOR: _l("Coordenação"),
}


def as_id(value: Any) -> int | None:
    """A submitted id, or None when blank or not a number (the service then refuses it)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_field() -> SelectField:
    return SelectField(
        _l("Papel no grupo"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        validate_choice=False,
    )


class GroupForm(FlaskForm):
    name = StringField(_l("Nome do grupo"), validators=[_required, Length(max=200)])
    theme = TextAreaField(
        _l("Tema: o que o grupo discute e procura"), validators=[_required, Length(max=4000)]
    )

    def group_input(self) -> GroupInput:
        return GroupInput(self.name.data or "", self.theme.data or "")


class AdHocGroupForm(GroupForm):
    councils = CheckboxesField(_l("Municípios do grupo"), coerce=as_id, validate_choice=False)
    coordinator_email = StringField(
        _l("E-mail de quem coordena"),
        validators=[
            _required,
            Email(message=_l("Escreva um endereço de e-mail válido.")),
            Length(max=254),
        ],
    )
    coordinator_council = SelectField(
        _l("Município pelo qual coordena"), coerce=as_id, validate_choice=False
    )

    def council_ids(self) -> list[int]:
        return [c for c in self.councils.data or [] if c is not None]


class AddMemberForm(FlaskForm):
    membership = SelectField(
        _l("Profissional (município e entidade)"), coerce=as_id, validate_choice=False
    )
    role = _role_field()


class RoleForm(FlaskForm):
    role = _role_field()


class ConstraintForm(FlaskForm):
    title = StringField(_l("Título"), validators=[_required, Length(max=200)])
    description = TextAreaField(
        _l("O que acontece, desde quando, a quem afeta (sem dados de pessoas)"),
        validators=[_required, Length(max=8000)],
    )
    affected = CheckboxesField(_l("Municípios afetados"), coerce=as_id, validate_choice=False)

    def constraint_input(self) -> ConstraintInput:
        return ConstraintInput(
            self.title.data or "",
            self.description.data or "",
            [c for c in self.affected.data or [] if c is not None],
        )


class ProgressForm(FlaskForm):
    status = SelectField(
        _l("Estado"),
        choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        validate_choice=False,
    )
    raised_with = StringField(
        _l("Levado a (entidade responsável)"), validators=[Optional(), Length(max=250)]
    )
    raised_on = DateField(_l("Levado em"), validators=[Optional()], format="%Y-%m-%d")
    response = TextAreaField(_l("Resposta obtida"), validators=[Optional(), Length(max=8000)])
    response_on = DateField(_l("Resposta em"), validators=[Optional()], format="%Y-%m-%d")

    def progress(self) -> ConstraintProgress:
        return ConstraintProgress(
            status=self.status.data or "",
            raised_with=self.raised_with.data,
            raised_on=self.raised_on.data,
            response=self.response.data,
            response_on=self.response_on.data,
        )
