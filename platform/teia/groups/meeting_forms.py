"""Forms of a group's meetings (CSRF included). Choices that depend on the group (agenda
subjects, owners, invitees) are filled by the view before validation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from teia.groups.models import ActionItemStatus, Attendance, AttendanceStatus

ATTENDANCE_LABELS = {
    AttendanceStatus.INVITED: _l("Convocado"),
    AttendanceStatus.PRESENT: _l("Presente"),
    AttendanceStatus.ABSENT: _l("Faltou"),
    AttendanceStatus.EXCUSED: _l("Falta justificada"),
}
REQUIRED = _l("Preencha este campo.")


def _at_most(size: int) -> Length:
    return Length(max=size, message=_l("No máximo %(max)d caracteres."))


class MeetingForm(FlaskForm):
    title = StringField(_l("Título"), validators=[DataRequired(message=REQUIRED), _at_most(200)])
    day = DateField(
        _l("Data"), validators=[InputRequired(message=_l("Indique a data (dd/mm/aaaa)."))]
    )
    at = TimeField(
        _l("Hora (Lisboa)"), validators=[InputRequired(message=_l("Indique a hora (hh:mm)."))]
    )
    location = StringField(_l("Local"), validators=[DataRequired(message=REQUIRED), _at_most(250)])


class AgendaForm(FlaskForm):
    """One select of every subject (grouped by kind); ``other`` needs a title."""

    subject = SelectField(
        _l("Assunto"), validators=[InputRequired(message=_l("Escolha o assunto."))]
    )
    title = StringField(
        _l("Título (obrigatório para outro assunto)"), validators=[Optional(), _at_most(200)]
    )
    notes = TextAreaField(_l("Notas"), validators=[Optional(), _at_most(2000)])

    def validate_title(self, field: Any) -> None:
        if self.subject.data == "other" and not (field.data or "").strip():
            raise ValidationError(str(_l("Escreva o assunto.")))


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Ata"), validators=[Optional(), _at_most(50_000)])


class DecisionForm(FlaskForm):
    text = TextAreaField(
        _l("Deliberação"), validators=[DataRequired(message=REQUIRED), _at_most(2000)]
    )


class ActionForm(FlaskForm):
    description = TextAreaField(
        _l("Tarefa"), validators=[DataRequired(message=REQUIRED), _at_most(2000)]
    )
    owner_id = SelectField(
        _l("Responsável"),
        coerce=int,
        validators=[InputRequired(message=_l("Escolha o responsável."))],
    )
    due_on = DateField(
        _l("Prazo"), validators=[InputRequired(message=_l("Indique o prazo (dd/mm/aaaa)."))]
    )


class ActionUpdateForm(FlaskForm):
    status = SelectField(
        _l("Estado"),
        choices=[
            SelectChoice(ActionItemStatus.DONE.value, _l("Concluída")),
            SelectChoice(ActionItemStatus.CANCELLED.value, _l("Cancelada")),
        ],
        validators=[InputRequired(message=_l("Escolha o estado."))],
    )
    note = TextAreaField(_l("Nota"), validators=[Optional(), _at_most(2000)])


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (held, cancel, approve, move, remove)."""


def attendance_form(rows: list[Attendance], *, submitted: bool) -> FlaskForm:
    """A select per invitee, named ``a<attendance id>``, labelled with the person's name;
    ``submitted``: read the request's values (else show the stored ones)."""
    choices = [SelectChoice(s.value, label) for s, label in ATTENDANCE_LABELS.items()]

    class AttendanceForm(FlaskForm):
        pass

    for row in rows:
        setattr(
            AttendanceForm,
            f"a{row.id}",
            SelectField(
                row.user.name,
                choices=choices,
                default=str(row.status),
                validators=[InputRequired(message=_l("Escolha a presença."))],
            ),
        )
    if submitted:
        return AttendanceForm(prefix="attendance")
    return AttendanceForm(prefix="attendance", formdata=None)
