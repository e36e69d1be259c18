"""Forms for recording and rectifying a person (CSRF included)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from teia.cases.labels import DOCUMENT_KIND, RELATIONSHIP
from teia.people.services import PersonData

_required = DataRequired(message=_l("Preencha este campo."))
_date_message = _l("Escreva uma data válida.")

SEX_CHOICES = [
    SelectChoice("", _l("Não indicado")),
    SelectChoice("F", _l("Feminino")),
    SelectChoice("M", _l("Masculino")),
    SelectChoice("X", _l("Outro / não especificado")),
]


class PersonForm(FlaskForm):
    given_names = StringField(_l("Nome próprio"), validators=[_required, Length(max=120)])
    family_names = StringField(_l("Apelidos"), validators=[_required, Length(max=120)])
    birth_date = DateField(_l("Data de nascimento"), validators=[Optional()], format="%Y-%m-%d")
    sex = SelectField(_l("Sexo"), choices=SEX_CHOICES, validators=[Optional()])
    nif = StringField(_l("NIF"), validators=[Optional(), Length(max=15)])
    niss = StringField(_l("NISS"), validators=[Optional(), Length(max=15)])
    sns = StringField(_l("N.º de utente do SNS"), validators=[Optional(), Length(max=15)])
    phone = StringField(_l("Telefone"), validators=[Optional(), Length(max=30)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])

    def data_object(self) -> PersonData:
        return PersonData(
            given_names=self.given_names.data or "",
            family_names=self.family_names.data or "",
            birth_date=self.birth_date.data,
            sex=self.sex.data or None,
            nif=self.nif.data,
            niss=self.niss.data,
            sns=self.sns.data,
            phone=self.phone.data,
            email=self.email.data,
        )


class NewPersonForm(PersonForm):
    submission_key = HiddenField()
    not_a_duplicate = BooleanField(_l("Confirmo que não é nenhuma das pessoas acima"))
    parish = SelectField(_l("Freguesia de residência"), validators=[Optional()])
    address = StringField(_l("Morada"), validators=[Optional(), Length(max=250)])
    postal_code = StringField(_l("Código postal"), validators=[Optional(), Length(max=10)])


class RectifyForm(PersonForm):
    reason = TextAreaField(_l("Motivo da retificação"), validators=[_required, Length(max=2000)])


class MergeForm(FlaskForm):
    duplicate_id = HiddenField(validators=[_required])
    reason = StringField(_l("Motivo da fusão"), validators=[_required, Length(max=500)])


class DocumentForm(FlaskForm):
    kind = SelectField(
        _l("Documento"), choices=[SelectChoice(k.value, v) for k, v in DOCUMENT_KIND.items()]
    )
    number = StringField(_l("Número"), validators=[_required, Length(max=40)])
    valid_until = DateField(_l("Válido até"), validators=[Optional()], format="%Y-%m-%d")


class MemberForm(FlaskForm):
    person_id = HiddenField(validators=[_required])
    relationship = SelectField(
        _l("Relação com o representante"),
        choices=[
            SelectChoice(k.value, v) for k, v in RELATIONSHIP.items() if k != "representative"
        ],
    )


class ConsentForm(FlaskForm):
    given_by = StringField(
        _l("Quem consentiu"),
        validators=[_required, Length(max=200)],
        description=_l("A própria pessoa ou o seu representante legal"),
    )
    given_on = DateField(_l("Data do consentimento"), validators=[_required], format="%Y-%m-%d")
    scope = TextAreaField(_l("A que consentiu"), validators=[_required, Length(max=2000)])
    # Shown beside DocumentForm on the person page: its own id, or both labels name one input.
    valid_until = DateField(
        _l("Válido até"), validators=[Optional()], format="%Y-%m-%d", id="consent_valid_until"
    )
