"""Forms (with CSRF) and the labels people read for roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from teia.accounts.models import TENANT_ROLES, Role
from teia.core.security import MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    Role.CONSORTIUM_COORDINATOR: _l("Coordenação do consórcio"),
    Role.TENANT_ADMIN: _l("Coordenação SAAS (administração do município)"),
    Role.CASE_MANAGER: _l("Gestor/a de caso"),
    Role.TECHNICIAN: _l("Técnico/a"),
    Role.DECISION_MAKER: _l("Decisão (Câmara Municipal)"),
    Role.FINANCE: _l("Finanças"),
    Role.PARTNER_PROFESSIONAL: _l("Profissional de entidade parceira"),
    Role.SHELTER_STAFF: _l("Equipa de acolhimento"),
}

ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS[r]) for r in TENANT_ROLES]

_required = DataRequired(message=_l("Preencha este campo."))
_email = Email(message=_l("Escreva um endereço de e-mail válido."))


def _new_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            _required,
            Length(min=MIN_PASSWORD_LENGTH, message=_l("Use pelo menos %(min)d caracteres.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm() -> PasswordField:
    return PasswordField(
        _l("Repita a palavra-passe"),
        validators=[_required, EqualTo("password", message=_l("As palavras-passe não coincidem."))],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[_required, _email], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Palavra-passe"), validators=[_required], render_kw={"autocomplete": "current-password"}
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[_required, _email], render_kw={"autocomplete": "username"}
    )


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("Nova palavra-passe"))
    confirm = _confirm()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Palavra-passe atual"),
        validators=[_required],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("Nova palavra-passe"))
    confirm = _confirm()


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[Length(max=200)])
    password = PasswordField(
        _l("Palavra-passe"), validators=[_required], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repita a palavra-passe (só para contas novas)"),
        render_kw={"autocomplete": "new-password"},
    )


class AcceptInvitationBySsoForm(FlaskForm):
    """Accept through the organisation's provider; on the same page as the password form."""

    with_organization = SubmitField(_l("Aceitar com a conta da organização"))


class InviteForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[_required, Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[_required, _email, Length(max=254)])
    role = SelectField(_l("Papel"), choices=ROLE_CHOICES, validators=[_required])
    organization = SelectField(_l("Organização"), coerce=int, validators=[_required])


class RoleForm(FlaskForm):
    role = SelectField(_l("Papel"), choices=ROLE_CHOICES, validators=[_required])


def _code_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[_required, Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class TwoFactorCodeForm(FlaskForm):
    code = _code_field(_l("Código de verificação"))


class TwoFactorLoginForm(FlaskForm):
    code = _code_field(_l("Código da aplicação ou código de recuperação"))


class TwoFactorDisableForm(FlaskForm):
    password = PasswordField(
        _l("Palavra-passe"), validators=[_required], render_kw={"autocomplete": "current-password"}
    )
    code = _code_field(_l("Código da aplicação ou código de recuperação"))
