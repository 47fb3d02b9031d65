"""The API reference is a page of the service: accessible, and complete."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_reference_lists_every_endpoint_accessibly(session, world):
    session.sign_in("national_member")
    session.go("/api/docs/")

    headings = session.page.locator("h2 code").all_inner_texts()
    assert "GET /api/v1/barriers/" in headings
    assert "GET /api/v1/dashboards/what-worked/" in headings
    assert session.failures == []
    assert session.console_errors == []
    assert session.axe_violations() == []
