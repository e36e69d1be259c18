"""Forms (with CSRF) for registering clients and creating personal tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from teia.cases.schemas import CheckboxesField

_required = DataRequired(message=_l("Preencha este campo."))
_some = DataRequired(message=_l("Escolha pelo menos um."))


class ClientForm(FlaskForm):
    name = StringField(_l("Nome do sistema"), validators=[_required, Length(max=200)])
    organization = SelectField(_l("Entidade"), coerce=int, validators=[_required])
    scopes = CheckboxesField(_l("Âmbitos"), validators=[_some])
    # Only on the platform's page: the councils the client acts in.
    tenants = CheckboxesField(_l("Municípios"), coerce=int)


class PersonalTokenForm(FlaskForm):
    name = StringField(_l("Para que serve"), validators=[_required, Length(max=200)])
    scopes = CheckboxesField(_l("Âmbitos"), validators=[_some])
    days = SelectField(_l("Validade"), coerce=int)
