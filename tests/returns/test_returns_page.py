"""The statutory returns' page: team and senior managers download the census of a year they choose, once the
council's LA code is set; the download is audited; everyone else is refused."""
import xml.etree.ElementTree as ET

from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.helpers import sign_in
from tests.returns.test_census_export import coded, decide, people
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.partnership.services import change_settings


def test_a_manager_downloads_the_census_of_a_year_once_the_la_code_is_set(client, partnership, clock):
    worker, manager = people(partnership)
    case = open_case(worker, referral_answers(**coded(9)))
    decide(manager, case, "no_further_action")
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get("/returns/").text
    assert "Ending 31 March 2026" in page and "1 April 2025 to 31 March 2026" in page  # the clock: 2 March 2026
    assert "The council&#39;s LA code is not set" in page
    refused = client.get("/returns/census.xml?year=2026")
    assert refused.status_code == 400 and "set the council&#39;s LA code on the Settings page" in refused.text

    change_settings(partnership.scalar(select(User).where(User.username == "admin")), {"la_code": "815"},
                    origin=NO_ORIGIN)
    partnership.commit()
    assert client.get("/returns/census.xml?year=2031").status_code == 400  # not a year offered
    done = client.get("/returns/census.xml?year=2026")
    assert done.status_code == 200
    assert done.headers["Content-Disposition"] == "attachment; filename=children-in-need-census-2026.xml"
    root = ET.fromstring(done.data)
    done.close()  # the temporary file the census was written to
    assert root.findtext("Header/Source/LEA") == "815"
    assert [c.findtext("ChildIdentifiers/LAchildID") for c in root.find("Children")] == [f"C{case.child_id}"]
    audit = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "returns.census_exported"))
    assert audit.detail == {"year": 2026, "children": 1}


def test_only_managers_make_returns(app, partnership):
    for username in ("sw1", "gp1", "admin", "chair1"):
        client = app.test_client()
        sign_in(client, username, DEMO_PASSWORD)
        assert client.get("/returns/").status_code == 403, username
        assert client.get("/returns/census.xml?year=2026").status_code == 403, username
