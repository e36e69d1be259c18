"""Forms of the requesting council's shelter pages (CSRF included). Choices that depend on
the council (consortia, catalogues, people, referents) are filled by the views; the services
check every value again and refuse with the field at fault."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from teia.shelter.labels import (
    CONSTRAINTS,
    INDICATORS,
    ISOLATED_FACTORS,
    PLAN_KIND,
    PROTECTIVE_BODY,
    QUICK_QUESTIONS,
    RISK,
    URGENCY,
)

_required = DataRequired(message=_l("Preencha este campo."))
_answer = InputRequired(message=_l("Responda a esta pergunta."))
_text = Length(max=4000, message=_l("Texto demasiado longo (máximo %(max)d caracteres)."))
Q = QUICK_QUESTIONS
YES_NO = [SelectChoice("yes", _l("Sim")), SelectChoice("no", _l("Não"))]


def optional_id(value: object) -> int | None:
    """A select of ids: empty is no choice (the service says what is missing)."""
    return None if value in (None, "") else int(value)  # type: ignore[call-overload]


def choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(str(k), v) for k, v in labels.items()]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(FlaskForm):
    submission_key = HiddenField()
    decision_id = HiddenField()
    person = SelectField(_l("Pessoa a acolher"), coerce=optional_id, validate_choice=False)
    consortium = SelectField(_l("Consórcio"), coerce=optional_id, validate_choice=False)
    public = SelectField(_l("Público da vaga"), validators=[_required], validate_choice=False)
    modalities = CheckboxesField(
        _l("Modalidades aceitáveis (nenhuma marcada: qualquer modalidade adequada)"),
        validate_choice=False,
    )
    needs_accessibility = BooleanField(
        _l("Precisa de acessibilidade (sem degraus, casa de banho adaptada)")
    )
    needs_intensive_care = BooleanField(
        _l("Precisa de cuidados intensivos (24 horas, dependência)")
    )
    constraints = CheckboxesField(
        _l("Condições a respeitar"), choices=choices(CONSTRAINTS), validate_choice=False
    )
    indicators = CheckboxesField(
        _l("Indicadores de necessidade de acolhimento"),
        choices=choices(INDICATORS),
        validate_choice=False,
    )
    isolated_factors = CheckboxesField(
        _l("Fatores que, sozinhos, não justificam um acolhimento"),
        choices=choices(ISOLATED_FACTORS),
        validate_choice=False,
    )
    isolated_confirmed = BooleanField(
        _l(
            "Confirmo que avaliei o risco e esgotei as alternativas no território, e explico-o "
            "na descrição da situação"
        )
    )
    risk = SelectField(_l("Nível de risco"), choices=choices(RISK), validate_choice=False)
    urgency = SelectField(_l("Urgência"), choices=choices(URGENCY), validate_choice=False)
    situation = TextAreaField(
        _l("Situação"),
        validators=[
            _required,
            Length(max=8000, message=_l("Texto demasiado longo (máximo %(max)d caracteres).")),
        ],
    )
    protective_measure = TextAreaField(
        _l("Medida de proteção ou decisão judicial"), validators=[_text]
    )
    protective_body = SelectField(_l("Órgão de proteção envolvido"), validate_choice=False)
    protective_reference = StringField(
        _l("N.º do processo de promoção e proteção ou judicial"),
        validators=[Optional(), Length(max=120, message=_l("No máximo %(max)d caracteres."))],
    )
    outside_territory = BooleanField(_l("Por segurança, a vaga tem de ser fora do território"))
    safety_reason = TextAreaField(_l("Motivo de segurança"), validators=[_text])
    anchor = SelectField(
        _l("Concelho de referência (escola, saúde, família)"),
        coerce=optional_id,
        validate_choice=False,
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Motivo do cancelamento"), validators=[_required, _text])


class AdmissionForm(FlaskForm):
    admitted_on = DateField(
        _l("Data de admissão"),
        validators=[InputRequired(message=_l("Escreva uma data válida."))],
        format="%Y-%m-%d",
    )
    referral_guide = StringField(
        _l("N.º da guia de encaminhamento"),
        validators=[_required, Length(max=60, message=_l("No máximo %(max)d caracteres."))],
    )
    referent = SelectField(_l("Referência técnica"), coerce=optional_id, validate_choice=False)
    referent_contact = StringField(
        _l("Contacto da referência técnica (telefone ou e-mail)"),
        validators=[_required, Length(max=200, message=_l("No máximo %(max)d caracteres."))],
    )
    follow_up_every_days = IntegerField(
        _l("Acompanhamento a cada (dias)"),
        validators=[
            InputRequired(message=_l("Escreva um número inteiro.")),
            NumberRange(1, 90, message=_l("De %(min)s a %(max)s dias.")),
        ],
    )
    plan_kind = RadioField(_l("Plano a iniciar"), choices=choices(PLAN_KIND), validators=[_answer])
    health = TextAreaField(_l("Saúde (condições a vigiar, alergias)"), validators=[_text])
    medication = TextAreaField(_l("Medicação (o quê, dose, horário)"), validators=[_text])
    diet = TextAreaField(_l("Restrições alimentares"), validators=[_text])
    school = TextAreaField(_l("Escola (estabelecimento, ano, transporte)"), validators=[_text])
    contacts = TextAreaField(
        _l("Contactos: quem pode e quem não pode contactar a pessoa"), validators=[_text]
    )


class QuickForm(FlaskForm):
    person = SelectField(_l("Pessoa"), coerce=optional_id, validate_choice=False)
    serious_risk = RadioField(Q["serious_risk"], choices=YES_NO, validators=[_answer])
    protect_at_home = RadioField(Q["protect_at_home"], choices=YES_NO, validators=[_answer])
    safe_network = RadioField(Q["safe_network"], choices=YES_NO, validators=[_answer])
    protective_body = SelectField(
        _l("Órgão de proteção acionado"), choices=choices(PROTECTIVE_BODY), validate_choice=False
    )
    protective_body_called = BooleanField(_l("Órgão acionado e medida de proteção formalizada"))
    modality = SelectField(Q["modality"], validate_choice=False)
    reception = BooleanField(
        _l("Confirmo: a acolhida qualificada, o registo e a referência técnica ficam garantidos")
    )
    plan_started = BooleanField(
        _l("Confirmo: o plano individual/familiar começa com metas e prazos")
    )
    exit_planned = BooleanField(
        _l("Confirmo: a saída e o pós-desligamento são planeados desde o início")
    )
    reason = TextAreaField(
        _l("Motivo de não acolher e proteção escolhida em alternativa"), validators=[_text]
    )
