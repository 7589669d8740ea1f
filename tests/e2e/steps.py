"""Shared steps for browser journeys, so that a journey a later change lengthens is mended in one place."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class Ui:
    def __init__(self, page: Page, base_url: str, axe_source: str):
        self.page = page
        self.base_url = base_url
        self.axe_source = axe_source
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        self.clicks = 0  # buttons pressed and links followed: what moves a person through the service
        page.on("load", lambda loaded_page: self.loaded.append(loaded_page.url))
        self.script_errors: list[str] = []  # uncaught errors and console errors (CSP refusals among them)
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        # A refusal page's own status (403, 404) is logged as a failed load of the document: that is the test's
        # point, not a script error. Anything else logged as an error is one.
        if message.type == "error" and message.location.get("url") != self.page.url:
            self.script_errors.append(f"{self.page.url}: {message.text}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check_page()

    def click(self, name: str, role: str = "button") -> None:
        """Press a button or follow a link by its accessible name, then check the page it leads to."""
        self.clicks += 1
        self.page.get_by_role(role, name=name, exact=True).click()
        self.check_page()

    def click_nav(self, name: str) -> None:
        """Follow a service navigation link by its text, with or without the count it shows ("My tasks (3)")."""
        self.clicks += 1
        self.page.locator(".govuk-service-navigation").get_by_role(
            "link", name=re.compile(rf"^{re.escape(name)}( \(\d+\))?$")).click()
        self.check_page()

    def check_page(self) -> None:
        """Run axe-core on the current page and fail on any WCAG 2.2 AA (or best-practice) violation."""
        self.page.wait_for_load_state()
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)  # evaluate, not a script tag: the CSP would block that
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        assert not problems, f"accessibility violations on {self.page.url}:\n" + "\n".join(problems)
        self.checked.add(self.page.url)

    def assert_every_page_checked(self) -> None:
        missed = [url for url in self.loaded if url not in self.checked]
        assert not missed, f"pages loaded but never checked with axe-core: {missed}"
        assert not self.script_errors, "JavaScript errors:\n" + "\n".join(self.script_errors)

    def navigation(self) -> list[str]:
        """The navigation's items, without the counts they show."""
        return [re.sub(r" \(\d+\)$", "", text)
                for text in self.page.locator(".govuk-service-navigation__item").all_inner_texts()]


def days_ahead(days: int) -> str:
    """The first weekday at least `days` from today, as the form fills it ("2027-01-12"): tests that book and
    review ahead stay valid whatever day they run."""
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def sign_in(ui: Ui, username: str, password: str) -> None:
    ui.goto("/sign-in")
    ui.page.get_by_label("Username").fill(username)
    ui.page.get_by_label("Password", exact=True).fill(password)
    ui.click("Sign in")


def sign_out(ui: Ui) -> None:
    ui.click("Sign out")
    expect(ui.page.get_by_role("heading", name="Sign in")).to_be_visible()


def expect_done(ui: Ui, text: str) -> None:
    """The success banner of the page says `text` (it may go on to say what happens next)."""
    expect(ui.page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def error_summary(ui: Ui) -> str:
    return ui.page.locator(".govuk-error-summary").inner_text()


def fill(ui: Ui, answers: dict) -> None:
    """Fill a service form by field name: text, dates ("2026-03-02"), yes/no (True/False), choices, selects."""
    page = ui.page
    for name, value in answers.items():
        if page.locator(f"#{name}-day").count():
            year, month, day = value.split("-")
            page.locator(f"#{name}-day").fill(str(int(day)))
            page.locator(f"#{name}-month").fill(str(int(month)))
            page.locator(f"#{name}-year").fill(year)
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        choice = page.locator(f"input[type='radio'][name='{name}'][value='{text}'], "
                              f"input[type='checkbox'][name='{name}'][value='{text}']")
        if choice.count():
            choice.check()
        elif page.locator(f"select#{name}").count():  # by the option's value (an id, a code), else its words
            select = page.locator(f"select#{name}")
            select.select_option(value=text) if select.locator(f"option[value='{text}']").count() else \
                select.select_option(label=text)
        else:
            page.locator(f"#{name}").fill(text)


def open_my_task(ui: Ui, reference: str, step: str) -> None:
    """From 'My tasks', open a step of one case."""
    ui.click_nav("My tasks")
    ui.click(f"{step} for case {reference}", role="link")


def complete_step(ui: Ui, reference: str, step: str, answers: dict, *, add_rows: dict | None = None) -> None:
    """Open the step from 'My tasks', add rows to repeating groups (without JavaScript's help), fill, complete."""
    open_my_task(ui, reference, step)
    for label, count in (add_rows or {}).items():
        for _ in range(count):
            ui.click(label)
    fill(ui, answers)
    ui.click("Complete this step")
    expect_done(ui, f"'{step}' completed")


def close_with_actions_done(ui: Ui, reference: str) -> None:
    """The closing step of a case whose open work is its actions: each marked done, then the case closes."""
    open_my_task(ui, reference, "Check the case's open work before closing")
    for choice in ui.page.locator("input[type='radio'][value='done']").all():
        choice.check()
    ui.click("Close the case")
    expect_done(ui, f"Open work checked: case {reference} is closed")


def convene_meeting(ui: Ui, reference: str, step: str, day: str, time: str, location: str) -> str:
    """Convene a case's meeting step with everyone proposed; returns the meeting page's address."""
    open_my_task(ui, reference, step)
    fill(ui, {"date": day, "time": time, "location": location})
    ui.click("Send the invitations")
    expect_done(ui, "the invitations are on their way")
    return ui.page.url


def record_attendance(ui: Ui, reference: str) -> None:
    """Everyone attended: the attendance step of a held meeting."""
    open_my_task(ui, reference, "Record who attended")
    for choice in ui.page.get_by_role("radio", name="Attended", exact=True).all():
        choice.check()
    ui.click("Record attendance")
    expect_done(ui, "Attendance recorded")


def write_minutes(ui: Ui, reference: str, answers: dict) -> None:
    """The minutes step of a held meeting: fill the sections, send them to the chair."""
    open_my_task(ui, reference, "Write the minutes")
    fill(ui, answers)
    ui.click("Send to the chair for approval")
    expect_done(ui, "Minutes sent to the chair for approval")


def approve_minutes(ui: Ui, reference: str) -> None:
    """The chair's step: approve and issue the minutes."""
    open_my_task(ui, reference, "Approve the minutes")
    ui.page.get_by_label("Approve and issue the minutes").check()
    ui.click("Confirm")
    expect_done(ui, "Minutes issued")


def record_safer_sleep(ui: Ui, reference: str, answers: dict) -> None:
    """From the case page, record a safer-sleep assessment (a baby's plan and each review need one)."""
    from webapp.references import case_id_from_reference

    ui.goto(f"/cases/{case_id_from_reference(reference)}")
    ui.click("Record a safer-sleep assessment")
    fill(ui, answers)
    ui.click("Record the assessment")
    expect_done(ui, "Safer-sleep assessment recorded")


def tab_to(ui: Ui, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard-only use)."""
    for _ in range(limit):
        ui.page.keyboard.press("Tab")
        if ui.page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")
