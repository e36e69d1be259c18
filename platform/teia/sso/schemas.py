"""Forms (with CSRF) for the organisation sign-in and the provider settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

_required = DataRequired(message=_l("Preencha este campo."))

USER_CLAIM_CHOICES = [
    SelectChoice("email", _l("E-mail (email)")),
    SelectChoice("preferred_username", _l("Nome de utilizador (preferred_username)")),
    SelectChoice("upn", _l("Nome principal do utilizador (upn)")),
]


class OrganizationSignInForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[_required, Email(message=_l("Escreva um endereço de e-mail válido."))],
        render_kw={"autocomplete": "username"},
    )


class ProviderForm(FlaskForm):
    issuer = StringField(
        _l("Emissor (issuer)"),
        validators=[_required, Length(max=300)],
        render_kw={"placeholder": "https://login.exemplo.pt/realms/organizacao"},
    )
    client_id = StringField(_l("Identificador do cliente"), validators=[_required, Length(max=200)])
    # Write-only: never rendered back; empty keeps the stored secret.
    client_secret = PasswordField(
        _l("Segredo do cliente"),
        validators=[Optional(), Length(max=500)],
        render_kw={"autocomplete": "off"},
    )
    allowed_email_domains = TextAreaField(
        _l("Domínios de e-mail autorizados"), validators=[_required], render_kw={"rows": 2}
    )
    user_claim = SelectField(_l("Atributo que identifica a pessoa"), choices=USER_CLAIM_CHOICES)
    password_login_enabled = BooleanField(_l("Permitir também a entrada com palavra-passe"))
    enabled = BooleanField(_l("Entrada pela organização ativa"))
