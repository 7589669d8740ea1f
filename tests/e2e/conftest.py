"""Playwright on Debian's chromium against the live server, with axe-core on every page visited."""
import pytest

from tests.conftest import CHROMIUM
from tests.e2e.steps import Ui


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never `playwright install`: no browser downloads are reachable; Debian's chromium is used instead.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture
def ui(page, live_server, axe_source):
    """The browser on the live server; fails the test if any page it loaded escaped the axe-core check."""
    driver = Ui(page, live_server, axe_source)
    yield driver
    driver.assert_every_page_checked()
