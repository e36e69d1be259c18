"""Forms of the regulation desk (CSRF included): the offer and the withdrawal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from teia.shelter.allocation import MAX_HOLD_HOURS, MIN_HOLD_HOURS


class OfferForm(FlaskForm):
    """Offer a candidate unit's place; the page lists the candidates as radio buttons."""

    unit_id = IntegerField(
        _l("Unidade"),
        validators=[InputRequired(message=_l("Escolha a unidade a que oferece a vaga."))],
    )
    hold_hours = IntegerField(
        _l("Reserva (horas)"),
        validators=[
            InputRequired(message=_l("Indique por quantas horas a vaga fica reservada.")),
            NumberRange(
                min=MIN_HOLD_HOURS,
                max=MAX_HOLD_HOURS,
                message=_l("A reserva dura entre %(min)s e %(max)s horas."),
            ),
        ],
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo da retirada"),
        validators=[
            DataRequired(message=_l("Indique o motivo.")),
            Length(max=1000, message=_l("No máximo %(max)d caracteres.")),
        ],
    )
