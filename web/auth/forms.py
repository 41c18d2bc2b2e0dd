from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))


class OpenLinkForm(FlaskForm):
    """The first step of a password link: the token arrives in the body, never in the URL."""

    token = StringField(
        _l("Code from your link"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The part of the link after the # sign."),
    )
    submit = SubmitField(_l("Continue"))


class SetPasswordForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(n)s characters (at most 200).", n=MIN_PASSWORD_LENGTH),
            ),
        ],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Save password"))
