from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))


class SetPasswordForm(FlaskForm):
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
