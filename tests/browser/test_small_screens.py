"""At a phone's width (375 px) no page scrolls sideways: tables stack or scroll inside their
own labelled region, and long words wrap."""

import pytest

from tests.browser.conftest import Session, _close

pytestmark = pytest.mark.django_db(transaction=True)

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
PASTED_URL = "https://example.nhs.uk/" + "a-very-long-path-segment/" * 8


def pages(world):
    return [
        "/",
        f"/barriers/{world.barrier_a.public_id}/",
        f"/adoptions/{world.adoption_a.pk}/",
        f"/dashboard/innovations/{world.innovation.pk}/",
        "/barriers/",
        "/api/docs/",
        "/organisations/?q=trust",
        f"/dashboard/organisations/{world.trust_a.ods_code}/",
    ]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    opened = Session(context.new_page(), live_server.url)
    yield opened
    _close(context, opened)


def test_pages_do_not_scroll_sideways_at_375px(phone, world):
    world.barrier_a.description = f"{LONG_WORD} see {PASTED_URL}"
    world.barrier_a.save()
    world.trust_c.name = f"{LONG_WORD} Trust"
    world.trust_c.save()
    phone.sign_in("lead_a")

    wide, violations = {}, {}
    for path in pages(world):
        page = phone.go(path)
        width, room = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if width > room:
            wide[path] = width
        if found := phone.axe_violations():
            violations[path] = found

    assert wide == {}, "pages wider than the 375 px screen"
    assert violations == {}
    assert phone.failures == []


def test_the_stall_findings_fit_a_phone_for_a_national_user(phone, world):
    import datetime

    from tests.factories import RegionFactory
    from tests.integration.test_stall_findings import QUARTER, spread_place, stalled_place

    start = datetime.date.today() - QUARTER * 21
    stalled = RegionFactory(ods_code="Y61", name=f"{LONG_WORD} Region")
    stalled_place(
        world.innovation, stalled, organisations=6, barrier="savings-land-elsewhere", start=start
    )
    spread_place(
        world.innovation, world.region, organisations=6, barrier="procurement", start=start
    )
    phone.sign_in("national_member")
    group = f"/dashboard/spread/{world.innovation.pk}/region/Y61/"

    wide, violations = {}, {}
    for path in ["/dashboard/", "/dashboard/?flags=garbage", "/dashboard/?flags=all", group]:
        page = phone.go(path)
        width, room = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if width > room:
            wide[path] = width
        if found := phone.axe_violations():
            violations[path] = found

    assert wide == {}, "pages wider than the 375 px screen"
    assert violations == {}
    assert phone.failures == []
    # A group that does not exist is a plain "not found", not an error.
    assert (
        phone.page.goto(
            phone.base + f"/dashboard/spread/{world.innovation.pk}/region/NOPE/"
        ).status
        == 404
    )
