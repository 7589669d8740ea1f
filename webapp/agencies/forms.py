"""The agency form."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from webapp.agencies.models import AGENCY_KIND_LABELS
from webapp.shell.forms import choices


class AgencyForm(FlaskForm):
    name = StringField("Agency name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the agency's name"), Length(max=160)])
    kind = RadioField("Kind of agency", widget=GovRadioInput(),
                      choices=choices((kind.value, label) for kind, label in AGENCY_KIND_LABELS.items()),
                      validators=[DataRequired("Select the kind of agency")])
    email = EmailField("Shared e-mail address", widget=GovTextInput(), validators=[
        Optional(), Email("Enter an e-mail address in the correct format, like team@example.org",
                          check_deliverability=False), Length(max=254)],
        description="Optional. A team mailbox for notifications, such as the practice's safeguarding inbox.")
    is_secure_mailbox = BooleanField(
        "This mailbox is accredited for OFFICIAL-SENSITIVE mail (for example NHSmail)", widget=GovCheckboxInput(),
        description="Tick only when the agency's shared mailbox and its practitioners' addresses are on an "
                    "accredited secure e-mail service. Then e-mails to them may name the child and give their "
                    "date of birth; otherwise they carry only the case reference and a sign-in link.")
    safeguarding_lead_id = SelectField(
        "Designated safeguarding lead", widget=GovSelect(), coerce=str, validate_choice=False,
        description="Holds the agency's side of an escalation from stage 2. One of its practitioners.")
    is_active = BooleanField("The agency is still working with the partnership", widget=GovCheckboxInput(),
                             default=True)
    submit = SubmitField("Save agency", widget=GovSubmitInput())
