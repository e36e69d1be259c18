"""Forms of the stay page (CSRF included): the PIA/PIF, goals, reviews, contacts, blockers,
the discharge steps, the discharge itself and the post-discharge contacts.

Each form is built by :func:`stay_forms` (every form of the page, filled from the stay) or
:func:`posted_form` (one form, read from the request); rows (a goal, a blocker, a follow-up
contact) carry their id in the prefix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from teia.accounts.models import User
from teia.core.clock import today
from teia.shelter.discharge import AFTER_DISCHARGE_STEP
from teia.shelter.labels import (
    BLOCKER_KIND,
    CONTACT_KIND,
    DISCHARGE_STEPS,
    END_REASON,
    FOLLOW_UP_TOPIC,
    GOAL_STATUS,
    GOAL_TERM,
    MAIN_GOAL,
    PLAN_KIND,
    RESPONSIBLE,
    REVIEW_PROGRESS,
)
from teia.shelter.models import CarePlanGoal, FollowUpContact, Stay, StayBlocker, StayStatus
from teia.shelter.stays import REVIEW_EVERY_DAYS

_required = DataRequired(message=_l("Preencha este campo."))
_date_message = _l("Escreva uma data válida.")


def _choices(labels: dict[Any, Any], blank: Any = None) -> list[SelectChoice]:
    options = [SelectChoice(str(k), v) for k, v in labels.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options


def _day(label: Any, required: bool = True) -> DateField:
    validators = [DataRequired(message=_date_message)] if required else [Optional()]
    return DateField(label, validators=validators, format="%Y-%m-%d")


def _text(label: Any, required: bool = False, max_length: int = 4000) -> TextAreaField:
    return TextAreaField(
        label, validators=[_required if required else Optional(), Length(max=max_length)]
    )


class PlanForm(FlaskForm):
    kind = SelectField(_l("Tipo de plano"), choices=_choices(PLAN_KIND))
    diagnosis = _text(
        _l(
            "Diagnóstico sintético: riscos, necessidades, potencialidades, rede de apoio e "
            "fatores de proteção"
        ),
        max_length=10000,
    )
    main_goal = SelectField(_l("Objetivo principal"), choices=_choices(MAIN_GOAL, "—"))
    main_goal_detail = _text(_l("Objetivo principal: pormenor"))
    contact_plan = _text(
        _l(
            "Plano de convivência familiar e comunitária: visitas, contactos, saídas, "
            "acompanhamento de encontros, avaliação de segurança"
        ),
        max_length=10000,
    )
    review_criteria = _text(_l("Critérios de reavaliação: indicadores de avanço e retrocesso"))
    review_every_days = IntegerField(
        _l("Periodicidade das reavaliações (dias)"),
        validators=[
            DataRequired(message=_l("Escreva um número inteiro de dias.")),
            NumberRange(
                min=REVIEW_EVERY_DAYS[0],
                max=REVIEW_EVERY_DAYS[1],
                message=_l("Entre %(min)s e %(max)s dias."),
            ),
        ],
    )
    next_review_on = _day(_l("Próxima reavaliação"))


class GoalForm(FlaskForm):
    term = SelectField(_l("Prazo da meta"), choices=_choices(GOAL_TERM))
    description = StringField(
        _l("Meta (observável: «retomar a frequência escolar»)"),
        validators=[_required, Length(max=1000)],
    )
    responsible = SelectField(_l("Responsável"), choices=_choices(RESPONSIBLE))
    responsible_detail = StringField(
        _l("Responsável: quem, em concreto"), validators=[Optional(), Length(max=200)]
    )
    due_on = _day(_l("Prazo"), required=False)


class GoalUpdateForm(FlaskForm):
    status = SelectField(_l("Estado da meta"), choices=_choices(GOAL_STATUS))
    due_on = _day(_l("Prazo"), required=False)


class ReviewForm(FlaskForm):
    reviewed_on = _day(_l("Data da reavaliação"))
    progress = SelectField(_l("Evolução"), choices=_choices(REVIEW_PROGRESS))
    summary = _text(_l("Síntese: evolução, metas atualizadas, justificação das mudanças"), True)
    plan_changed = BooleanField(_l("O plano foi alterado nesta reavaliação"))


class ContactForm(FlaskForm):
    occurred_on = _day(_l("Data"))
    kind = SelectField(_l("Tipo de registo"), choices=_choices(CONTACT_KIND))
    with_whom = StringField(_l("Com quem"), validators=[Optional(), Length(max=200)])
    supervised = BooleanField(_l("Visita ou contacto supervisionado"))
    notes = _text(_l("Notas (obrigatórias num incidente ou numa justificação técnica)"))


class BlockerForm(FlaskForm):
    kind = SelectField(_l("Pendência"), choices=_choices(BLOCKER_KIND))
    description = StringField(_l("O que falta"), validators=[_required, Length(max=1000)])
    owner = StringField(
        _l("Quem a desbloqueia (entidade ou pessoa)"), validators=[_required, Length(max=200)]
    )
    owner_user_id = SelectField(_l("Técnico/a do município que acompanha (opcional)"))
    due_on = _day(_l("Prazo"), required=False)


class ResolveForm(FlaskForm):
    resolved_on = _day(_l("Resolvida a"))


class StepForm(FlaskForm):
    step = SelectField(_l("Passo"), coerce=int)
    done_on = _day(_l("Data"))
    notes = _text(_l("O que foi feito"), True)


class DischargeForm(FlaskForm):
    ended_on = _day(_l("Data do desligamento"))
    reason = SelectField(_l("Motivo"), choices=_choices(END_REASON, "—"))
    notes = _text(_l("Notas (obrigatórias numa saída não planeada)"))
    follow_up_by = SelectField(_l("Quem faz o acompanhamento pós-desligamento"))


class FollowUpForm(FlaskForm):
    done_on = _day(_l("Contacto feito a"))
    school = _text(FOLLOW_UP_TOPIC["school"])
    family = _text(FOLLOW_UP_TOPIC["family"])
    health = _text(FOLLOW_UP_TOPIC["health"])
    income = _text(FOLLOW_UP_TOPIC["income"])
    network = _text(FOLLOW_UP_TOPIC["network"])
    notes = _text(_l("Outras notas"))

    def observations(self) -> dict[str, str]:
        return {topic: getattr(self, topic).data or "" for topic in FOLLOW_UP_TOPIC}


STAY_FORMS: dict[str, type[FlaskForm]] = {
    "plan": PlanForm,
    "goal": GoalForm,
    "review": ReviewForm,
    "contact": ContactForm,
    "blocker": BlockerForm,
    "step": StepForm,
    "discharge": DischargeForm,
}
ROW_FORMS: dict[str, type[FlaskForm]] = {
    "goal": GoalUpdateForm,
    "blocker": ResolveForm,
    "follow-up": FollowUpForm,
}


def _fill(form: FlaskForm, stay: Stay, staff: list[User], recorded_steps: set[int]) -> None:
    """Choices that depend on the stay and the council's staff."""
    if isinstance(form, BlockerForm):
        form.owner_user_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(u.id), u.name) for u in staff
        ]
    elif isinstance(form, DischargeForm):
        form.follow_up_by.choices = [SelectChoice(str(u.id), u.name) for u in staff]
    elif isinstance(form, StepForm):
        open_steps = [
            n
            for n in DISCHARGE_STEPS
            if n not in recorded_steps
            and (stay.status == StayStatus.ACTIVE or n == AFTER_DISCHARGE_STEP)
        ]
        form.step.choices = [SelectChoice(n, f"{n}. {DISCHARGE_STEPS[n]}") for n in open_steps]


def _blank(form: FlaskForm, stay: Stay) -> None:
    """What a new record starts with: today's date, the referent as the follow-up lead."""
    day = today()
    for name in ("reviewed_on", "occurred_on", "done_on", "resolved_on", "ended_on"):
        field = getattr(form, name, None)
        if field is not None and field.data is None:
            field.data = day
    if isinstance(form, DischargeForm):
        form.follow_up_by.data = str(stay.technical_referent_id)


def stay_forms(stay: Stay, staff: list[User], recorded_steps: set[int]) -> dict[str, FlaskForm]:
    """Every form of the stay page, not bound to the request, filled from the stay."""
    forms: dict[str, FlaskForm] = {}
    for name, cls in STAY_FORMS.items():
        obj = stay.plan if name == "plan" else None
        form = cls(formdata=None, prefix=name, obj=obj)
        _fill(form, stay, staff, recorded_steps)
        _blank(form, stay)
        forms[name] = form
    return forms


def row_form(
    kind: str, row: CarePlanGoal | StayBlocker | FollowUpContact, *, posted: bool = False
) -> FlaskForm:
    """The form of one goal, blocker or follow-up contact (read from the request if posted)."""
    cls = ROW_FORMS[kind]
    prefix = f"{kind}-{row.id}"
    if posted:
        return cls(prefix=prefix)
    form = cls(formdata=None, prefix=prefix, obj=row if isinstance(row, CarePlanGoal) else None)
    for name in ("done_on", "resolved_on"):
        field = getattr(form, name, None)
        if field is not None and field.data is None:
            field.data = today()
    return form


def posted_form(name: str, stay: Stay, staff: list[User], recorded_steps: set[int]) -> FlaskForm:
    """One stay-level form, read from the request, with its choices."""
    form = STAY_FORMS[name](prefix=name)
    _fill(form, stay, staff, recorded_steps)
    return form


def optional_id(value: str | None) -> int | None:
    return int(value) if value else None


def form_date(field: DateField) -> date:
    assert isinstance(field.data, date)
    return field.data
