"""Forms of the application pages (CSRF included).

What the regulation in force decides (income sources, deductible expenses, support types,
payment methods, documents, causes) is filled in by the views; rows repeat a fixed number
of times, so the pages need no JavaScript.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from teia.applications.labels import DECISION_OUTCOME, INCOME_PERIOD
from teia.applications.services import (
    ExpenseInput,
    HouseholdInput,
    IncomeInput,
    ItemInput,
    MemberInput,
)
from teia.cases.labels import RELATIONSHIP
from teia.regulations.labels import DEBTS, PAYMENT_METHOD

_required = DataRequired(message=_l("Preencha este campo."))
_date_message = _l("Escreva uma data válida.")
_number_message = _l("Escreva um número inteiro.")

BLANK_MEMBERS = 3
BLANK_ITEMS = 3


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(str(k), v) for k, v in labels.items()]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MoneyField(StringField):
    """An amount in euros, written as on paper: ``1 234,56``, ``1234.56`` or ``35 €``."""

    data: Decimal | None  # type: ignore[assignment]

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "") or ""
        text = text.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
        if not text:
            self.data = None
            return
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Escreva um valor em euros, por exemplo 125,50.")) from None
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.data = None
            raise ValueError(_l("Escreva um valor positivo, com cêntimos no máximo."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data:.2f}".replace(".", ",")


def _money(label: Any, required: bool = False) -> MoneyField:
    return MoneyField(label, validators=[_required] if required else [Optional()])


def _day(label: Any, required: bool = True) -> DateField:
    validators = [DataRequired(message=_date_message)] if required else [Optional()]
    return DateField(label, validators=validators, format="%Y-%m-%d")


class MemberRow(Form):
    """A household member as declared; the first row is the applicant."""

    person_id = HiddenField()
    name = StringField(_l("Nome"), validators=[Optional(), Length(max=200)])
    age = IntegerField(
        _l("Idade"), validators=[Optional(), NumberRange(min=0, max=130, message=_number_message)]
    )
    birth_date = _day(_l("Data de nascimento"), required=False)
    relationship = SelectField(_l("Relação com o requerente"), choices=_choices(RELATIONSHIP))
    disabled = BooleanField(_l("Deficiência (60 % ou mais)"))
    dependent = BooleanField(_l("Dependente"))
    emancipated = BooleanField(_l("Emancipado/a"))
    unemployed = BooleanField(_l("Desempregado/a"))

    @property
    def filled(self) -> bool:
        return bool(
            (self.name.data or "").strip() or self.age.data is not None or self.birth_date.data
        )


class IncomeRow(Form):
    """The household's income from one source the regulation counts."""

    source = HiddenField()
    amount = _money(_l("Montante"))
    period = SelectField(_l("Período"), choices=_choices(INCOME_PERIOD), default="annual")


class ExpenseRow(Form):
    """One deductible monthly expense the regulation lists."""

    kind = HiddenField()
    monthly_amount = _money(_l("Montante mensal"))


class ItemRow(Form):
    """One support requested: an amount, quotes (the lowest may set it) or units."""

    support_type = SelectField(_l("Tipo de apoio"), validate_choice=False)
    description = StringField(_l("Descrição"), validators=[Optional(), Length(max=500)])
    amount = _money(_l("Montante pedido"))
    quote_1 = _money(_l("Orçamento 1"))
    quote_2 = _money(_l("Orçamento 2"))
    quote_3 = _money(_l("Orçamento 3"))
    units = IntegerField(
        _l("Unidades (p. ex. noites)"),
        validators=[Optional(), NumberRange(min=1, max=999, message=_number_message)],
    )

    @property
    def quotes(self) -> tuple[Decimal, ...]:
        return tuple(
            q.data for q in (self.quote_1, self.quote_2, self.quote_3) if q.data is not None
        )


class IntakeForm(FlaskForm):
    """The application as the technician takes it in (article 9)."""

    submission_key = HiddenField()
    person_id = HiddenField()
    case_id = HiddenField()
    application_date = _day(_l("Data da candidatura"))
    members = FieldList(FormField(MemberRow))
    incomes = FieldList(FormField(IncomeRow))
    expenses = FieldList(FormField(ExpenseRow))
    residence_months = IntegerField(
        _l("Meses de residência no concelho"),
        validators=[Optional(), NumberRange(min=0, max=1500, message=_number_message)],
    )
    debts_to_council = SelectField(_l("Dívidas ao município"), choices=_choices(DEBTS))
    other_support_same_purpose = BooleanField(_l("Recebe outro apoio para o mesmo fim"))
    social_emergency = BooleanField(_l("Situação de emergência social"))
    assets = _money(_l("Depósitos, ações e outros valores mobiliários (€)"))
    items = FieldList(FormField(ItemRow))
    payment_method = SelectField(_l("Forma de pagamento"), validate_choice=False)
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    supplier_name = StringField(_l("Fornecedor"), validators=[Optional(), Length(max=200)])
    supplier_nif = StringField(_l("NIF do fornecedor"), validators=[Optional(), Length(max=15)])

    def validate_members(self, field: FieldList) -> None:
        filled = [row.form for row in field if row.form.filled]
        if not filled:
            raise ValidationError(_l("Indique pelo menos o/a requerente."))
        undated = [m for m in filled if m.age.data is None and m.birth_date.data is None]
        for member in undated:
            member.age.errors = [*member.age.errors, _l("Indique a idade ou a data de nascimento.")]
        if undated:
            raise ValidationError(_l("Indique a idade ou a data de nascimento de cada membro."))

    def validate_items(self, field: FieldList) -> None:
        if not any(row.form.support_type.data for row in field):
            raise ValidationError(_l("Escolha pelo menos um tipo de apoio."))

    def household(self) -> HouseholdInput:
        """The household as declared; the first row filled in is the applicant."""
        day = self.application_date.data
        assert day is not None
        members = [row.form for row in self.members if row.form.filled]
        return HouseholdInput(
            members=[
                MemberInput(
                    age=m.age.data if m.age.data is not None else age_on(m.birth_date.data, day),
                    relationship=m.relationship.data,
                    name=(m.name.data or "").strip(),
                    person_id=int(m.person_id.data) if (m.person_id.data or "").isdigit() else None,
                    applicant=n == 0,
                    disabled=bool(m.disabled.data),
                    dependent=bool(m.dependent.data),
                    emancipated=bool(m.emancipated.data),
                    unemployed=bool(m.unemployed.data),
                )
                for n, m in enumerate(members)
            ],
            incomes=[
                IncomeInput(r.form.source.data, r.form.amount.data, r.form.period.data)
                for r in self.incomes
                if r.form.amount.data
            ],
            expenses=[
                ExpenseInput(r.form.kind.data, r.form.monthly_amount.data)
                for r in self.expenses
                if r.form.monthly_amount.data
            ],
            residence_months=self.residence_months.data,
            debts_to_council=self.debts_to_council.data,
            other_support_same_purpose=bool(self.other_support_same_purpose.data),
            social_emergency=bool(self.social_emergency.data),
            assets=self.assets.data,
        )

    def requested(self) -> list[ItemInput]:
        return [
            ItemInput(
                support_type=i.support_type.data,
                description=(i.description.data or "").strip(),
                amount=i.amount.data,
                quotes=i.quotes,
                units=i.units.data,
            )
            for i in (row.form for row in self.items)
            if i.support_type.data
        ]


class ConfirmForm(FlaskForm):
    """A step with nothing to fill in (submit, start the analysis): the button and CSRF."""


class UploadForm(FlaskForm):
    document_id = SelectField(_l("Documento"), coerce=int, validate_choice=False)
    file = FileField(
        _l("Ficheiro (PDF, PNG ou JPEG, até 10 MB)"),
        validators=[FileRequired(message=_l("Escolha o ficheiro."))],
    )


class RequestDocumentsForm(FlaskForm):
    """The notification of missing documents or clarifications (articles 11 a and 12, n.º 1)."""

    codes = CheckboxesField(_l("Documentos em falta"), validate_choice=False)
    notified_on = _day(_l("Data da notificação"))
    note = TextAreaField(_l("Esclarecimentos pedidos"), validators=[Optional(), Length(max=2000)])


class RegulariseForm(FlaskForm):
    note = TextAreaField(
        _l("Justificação (obrigatória depois do prazo)"),
        validators=[Optional(), Length(max=2000)],
    )


class HomeVisitForm(FlaskForm):
    visited_on = _day(_l("Data da visita"))
    findings = TextAreaField(_l("Observações da visita"), validators=[_required, Length(max=5000)])
    social_opinion = TextAreaField(_l("Parecer social"), validators=[_required, Length(max=5000)])


class ProofRequestForm(FlaskForm):
    """A request for means of proof of what was declared (article 11 b and c)."""

    what = TextAreaField(_l("Meios de prova pedidos"), validators=[_required, Length(max=2000)])
    due_on = _day(_l("Prazo de entrega"))


class ReviewForm(FlaskForm):
    """Validate a received document, or reject it saying why."""

    document_id = SelectField(_l("Documento entregue"), coerce=int, validate_choice=False)
    accepted = SelectField(
        _l("Apreciação"),
        choices=[SelectChoice("1", _l("Validar")), SelectChoice("0", _l("Recusar"))],
    )
    note = TextAreaField(_l("Motivo (obrigatório ao recusar)"), validators=[Length(max=2000)])


class WaiverForm(FlaskForm):
    condition = SelectField(_l("Condição dispensada"), validate_choice=False)
    justification = TextAreaField(_l("Fundamentação"), validators=[_required, Length(max=4000)])


class AmountRow(Form):
    item_id = HiddenField()
    amount = _money(_l("Montante"))


class ProposalForm(FlaskForm):
    amounts = FieldList(FormField(AmountRow), label=_l("Montante proposto"))
    note = TextAreaField(_l("Fundamentação da proposta"), validators=[Optional(), Length(max=4000)])


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("Decisão"), choices=_choices(DECISION_OUTCOME))
    decided_on = _day(_l("Data da deliberação"))
    reference = StringField(
        _l("Referência da deliberação"), validators=[_required, Length(max=120)]
    )
    amounts = FieldList(FormField(AmountRow), label=_l("Montante aprovado"))
    reasons = TextAreaField(_l("Fundamentos"), validators=[Optional(), Length(max=4000)])


class ExcludeForm(FlaskForm):
    cause = SelectField(_l("Causa de exclusão"), validate_choice=False)
    note = TextAreaField(_l("Fundamentação"), validators=[Optional(), Length(max=2000)])


class PaymentForm(FlaskForm):
    item_id = SelectField(_l("Apoio pago"), coerce=int, validate_choice=False)
    method = SelectField(_l("Forma de pagamento"), choices=_choices(PAYMENT_METHOD))
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    supplier_name = StringField(_l("Fornecedor"), validators=[Optional(), Length(max=200)])
    supplier_nif = StringField(_l("NIF do fornecedor"), validators=[Optional(), Length(max=15)])
    amount = _money(_l("Montante pago"), required=True)
    paid_on = _day(_l("Data do pagamento"))


class ProofForm(FlaskForm):
    payment_id = SelectField(_l("Pagamento"), coerce=int, validate_choice=False)
    received_on = _day(_l("Data de entrega do comprovativo"))
    file = FileField(
        _l("Comprovativo da despesa (PDF, PNG ou JPEG)"),
        validators=[FileRequired(message=_l("Escolha o ficheiro."))],
    )


class CessationForm(FlaskForm):
    cause = SelectField(_l("Causa da cessação"), validate_choice=False)
    ceased_on = _day(_l("Data"))
    reason = TextAreaField(_l("Fundamentação"), validators=[_required, Length(max=2000)])
    refund_amount = _money(_l("Montante a devolver (quando a causa o implica)"))


class RefundForm(FlaskForm):
    refunded_on = _day(_l("Data da devolução"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Motivo da desistência"), validators=[_required, Length(max=2000)])
