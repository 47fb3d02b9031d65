import os
from pathlib import Path

import pytest

from tests.conftest import reseed_taxonomies
from tests.integration.conftest import PASSWORD, icb_world, resolved_elsewhere, world  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def taxonomies(transactional_db):
    """Browser tests commit for real, and the database is emptied between them."""
    reseed_taxonomies()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium for the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Session:
    """A browser page that records every failed response."""

    def __init__(self, page, base):
        self.page = page
        self.base = base
        self.failures = []
        self.console_errors = []
        page.on(
            "console",
            lambda m: self.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.on(
            "response",
            lambda r: self.failures.append((r.status, r.url)) if r.status >= 400 else None,
        )

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def sign_in(self, username):
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def axe_violations(self):
        # From the service's own static files: the Content Security Policy refuses inline code.
        self.page.add_script_tag(url=self.base + "/static/vendor/axe-core/axe.min.js")
        result = self.page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
        )
        return [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
        ]


def _close(context, session):
    # Let every request the page started finish before the database is emptied for the next
    # test: a request still running in the live server would hold locks the flush needs.
    session.page.wait_for_load_state("networkidle")
    context.close()


@pytest.fixture
def session(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = Session(context.new_page(), live_server.url)
    yield opened
    _close(context, opened)


@pytest.fixture
def no_js_session(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    opened = Session(context.new_page(), live_server.url)
    yield opened
    _close(context, opened)
