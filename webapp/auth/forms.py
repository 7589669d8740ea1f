"""Sign-in, password and user administration forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovPasswordInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from webapp.auth.roles import ROLE_LABELS
from webapp.shell.forms import choices


class SignInForm(FlaskForm):
    username = StringField("Username", widget=GovTextInput(),
                           validators=[DataRequired("Enter your username"), Length(max=120)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password"), Length(max=256)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[DataRequired("Enter your current password")])
    new_password = PasswordField("New password", widget=GovPasswordInput(),
                                 description="12 characters or more. A few unrelated words make a strong password.",
                                 validators=[DataRequired("Enter a new password"), Length(max=256)])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class UserForm(FlaskForm):
    username = StringField("Username", widget=GovTextInput(),
                           description="Letters, numbers, dots, hyphens or underscores. It cannot be changed later.",
                           validators=[DataRequired("Enter a username"), Length(max=64)])
    full_name = StringField("Full name", widget=GovTextInput(),
                            validators=[DataRequired("Enter the person's full name"), Length(max=120)])
    email = EmailField("Work e-mail address", widget=GovTextInput(),
                       validators=[DataRequired("Enter a work e-mail address"),
                                   Email("Enter an e-mail address in the correct format, like name@example.org",
                                         check_deliverability=False),
                                   Length(max=254)])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(),
                                choices=choices((role.value, label) for role, label in ROLE_LABELS.items()),
                                validators=[DataRequired("Select at least one role")])
    team_id = SelectField("Team", widget=GovSelect(), validators=[Optional()],
                          description="For social workers and team managers.")
    agency_id = SelectField("Agency", widget=GovSelect(), validators=[Optional()],
                            description="For agency practitioners only.")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def set_choices(self, teams, agencies) -> None:
        self.team_id.choices = choices([("", "No team")] + [(t.id, t.name) for t in teams])
        self.agency_id.choices = choices([("", "No agency")] + [(a.id, a.name) for a in agencies if a.is_active])


class TeamForm(FlaskForm):
    name = StringField("Team name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the team's name"), Length(max=120)])
    phone = StringField("Team phone (optional)", widget=GovTextInput(),
                        validators=[Optional(), Length(max=40, message="The team phone must be 40 characters or fewer")],
                        description="The duty line agencies are given beside the allocated worker's e-mail.")
    submit = SubmitField("Save team", widget=GovSubmitInput())
