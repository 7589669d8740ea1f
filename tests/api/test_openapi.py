"""Schemathesis against the API's own OpenAPI document: generated requests to every operation, with a token;
no server error and no response outside the document."""
from datetime import datetime, timezone

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User


# No server error, and nothing outside the document: statuses, content types and bodies. (Schemathesis's
# "valid data accepted" check is not among them: what may be challenged or completed depends on the records.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(partnership):
    sw1, tm1 = (partnership.scalar(select(User).where(User.username == n)) for n in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers())  # something to find: a case with steps, meetings to list
    start_assessment(case, sw1, tm1)
    _, token = tokens.create_personal_token(sw1, "schemathesis", days=1, origin=NO_ORIGIN,
                                            now=datetime.now(timezone.utc))
    partnership.commit()
    return token


def test_the_api_keeps_to_its_document(app, token):
    """Every operation, with generated parameters and bodies (schemathesis's pytest plugin does not yet run on
    pytest 9, so the operations are driven through Hypothesis directly)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        check()
