"""The admin works under the Content Security Policy."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/barriers/barrier/",
        "BARRIER_CHANGE",
        "/admin/barriers/adoption/add/",
        "/admin/registry/innovation/import/",
        "/admin/registry/organisation/import/",
    ],
)
def test_admin_pages_run_without_refused_scripts(session, world, path):
    session.sign_in("super")
    session.go(
        path.replace("BARRIER_CHANGE", f"/admin/barriers/barrier/{world.barrier_a.pk}/change/")
    )

    assert session.failures == []
    assert session.console_errors == []
