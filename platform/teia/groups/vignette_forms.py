"""Forms of the vignette pages (CSRF included). The free-text parts of a draft depend on the
case, so the views read them from the request by their keys (``text-<key>``); the services
scrub every text again whatever the form let through."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from teia.groups.models import CommentKind
from teia.groups.vignettes import TEXT_MAX, TITLE_MAX

_required = DataRequired(message=_l("Preencha este campo."))
_text = Length(max=TEXT_MAX, message=_l("Texto demasiado longo (máximo %(max)d caracteres)."))

COMMENT_KIND = {
    CommentKind.COMMENT: _l("Comentário"),
    CommentKind.PROPOSAL: _l("Proposta (algo concreto que a autora ou o autor pode adotar)"),
}


def optional_id(value: object) -> int | None:
    """A select of ids: empty is no choice (the view says what is missing)."""
    return None if value in (None, "") else int(value)  # type: ignore[call-overload]


class VignetteForm(FlaskForm):
    group = SelectField(_l("Grupo de trabalho"), coerce=optional_id, validate_choice=False)
    title = StringField(
        _l("Título"),
        validators=[
            _required,
            Length(
                max=TITLE_MAX, message=_l("Título demasiado longo (máximo %(max)d caracteres).")
            ),
        ],
    )
    question = TextAreaField(_l("O que pergunta ao grupo"), validators=[_required, _text])
    content_hash = HiddenField()


class CommentForm(FlaskForm):
    kind = RadioField(
        _l("Tipo"),
        choices=[SelectChoice(str(k), v) for k, v in COMMENT_KIND.items()],
        default=str(CommentKind.COMMENT),
        validators=[_required],
    )
    body = TextAreaField(_l("Texto"), validators=[_required, _text])


class WithdrawForm(FlaskForm):
    """Only the CSRF token: the author confirms on the page."""


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AdoptForm(FlaskForm):
    proposals = CheckboxesField(_l("Propostas adotadas"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("O que foi adotado e como (fica só no processo)"), validators=[_text])
