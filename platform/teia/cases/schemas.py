"""Forms of the case pages (CSRF included); choices are filled by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from teia.cases.labels import (
    ACTION_STATUS,
    AREA,
    CASE_STATUS,
    EVENT_KIND,
    LEGAL_BASIS,
    REFERRAL_STATUS,
    RISK_FLAG,
    SECTION,
)
from teia.cases.models import ReferralStatus

_required = DataRequired(message=_l("Preencha este campo."))


def _choices(labels) -> list[SelectChoice]:  # type: ignore[no-untyped-def]
    return [SelectChoice(k.value, v) for k, v in labels.items()]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OpenCaseForm(FlaskForm):
    submission_key = HiddenField()
    manager = SelectField(_l("Gestor/a de caso"), coerce=int)
    opening_reason = TextAreaField(
        _l("Motivo de abertura"), validators=[_required, Length(max=4000)]
    )
    areas = CheckboxesField(_l("Áreas de intervenção"), choices=_choices(AREA))
    risk_flags = CheckboxesField(_l("Sinais de risco"), choices=_choices(RISK_FLAG))


class StatusForm(FlaskForm):
    status = SelectField(_l("Novo estado"), choices=_choices(CASE_STATUS))
    reason = TextAreaField(_l("Motivo"), validators=[Optional(), Length(max=2000)])


class EventForm(FlaskForm):
    kind = SelectField(_l("Tipo"), choices=_choices(EVENT_KIND))
    occurred_at = DateTimeLocalField(
        _l("Data e hora"), validators=[_required], format="%Y-%m-%dT%H:%M"
    )
    text = TextAreaField(_l("Registo"), validators=[_required, Length(max=10000)])
    confidential = BooleanField(_l("Confidencial"))
    readers = SelectMultipleField(_l("Pode também ler (nota confidencial)"), coerce=int)


class DiagnosisForm(FlaskForm):
    area = SelectField(_l("Área"), choices=_choices(AREA))
    needs = TextAreaField(_l("Necessidades"), validators=[Length(max=5000)])
    potentials = TextAreaField(_l("Potencialidades"), validators=[Length(max=5000)])
    support_network = TextAreaField(_l("Rede de suporte"), validators=[Length(max=5000)])


class MemberAddForm(FlaskForm):
    person_id = HiddenField(validators=[_required])
    relationship = SelectField(_l("Relação com o representante"))


class ReferralForm(FlaskForm):
    organization = SelectField(_l("Entidade"), coerce=int)
    area = SelectField(_l("Resposta pedida"), choices=_choices(AREA))
    request = TextAreaField(_l("Pedido"), validators=[_required, Length(max=4000)])
    respond_by = DateField(_l("Responder até"), validators=[_required], format="%Y-%m-%d")


ANSWER_CHOICES = [
    SelectChoice(s.value, REFERRAL_STATUS[s])
    for s in (ReferralStatus.ACCEPTED, ReferralStatus.REFUSED, ReferralStatus.COMPLETED)
]


class AnswerForm(FlaskForm):
    status = SelectField(_l("Resposta"), choices=ANSWER_CHOICES)
    reason = TextAreaField(_l("Motivo (obrigatório na recusa)"), validators=[Length(max=2000)])
    outcome = TextAreaField(_l("Resultado (ao concluir)"), validators=[Length(max=4000)])


class ShareForm(FlaskForm):
    organization = SelectField(_l("Entidade parceira"), coerce=int)
    sections = CheckboxesField(_l("Secções partilhadas"), choices=_choices(SECTION))
    diagnosis_areas = CheckboxesField(
        _l("Áreas do diagnóstico (nenhuma marcada: todas)"), choices=_choices(AREA)
    )
    purpose = StringField(_l("Finalidade"), validators=[_required, Length(max=500)])
    legal_basis = SelectField(_l("Fundamento"), choices=_choices(LEGAL_BASIS))
    consent = SelectField(_l("Registo de consentimento"), coerce=int)
    legal_reference = StringField(
        _l("Norma legal (sem consentimento)"), validators=[Optional(), Length(max=250)]
    )
    expires_on = DateField(_l("Expira a"), validators=[_required], format="%Y-%m-%d")


class ActionUpdateForm(FlaskForm):
    status = SelectField(_l("Estado"), choices=_choices(ACTION_STATUS))
    progress_note = TextAreaField(_l("Ponto de situação"), validators=[Length(max=2000)])


class EmergencyForm(FlaskForm):
    case_number = StringField(_l("N.º do processo"), validators=[_required, Length(max=20)])
    reason = TextAreaField(_l("Motivo da emergência"), validators=[_required, Length(max=2000)])
