"""The README's pandas example, run as written against a live server: it follows the cursor
across pages and reads a dashboard table into a data frame."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from knox.models import AuthToken

from adoption.barriers.models import Barrier
from adoption.registry.models import Organisation
from tests.factories import OrganisationFactory
from tests.integration.conftest import barriers_like_b

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example(name):
    text = README.read_text()
    found = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)\n```", text, re.DOTALL)
    assert found, f"the README has no {name} example"
    return found.group(1)


def test_the_pandas_example_pulls_every_page_and_a_dashboard_table(
    live_server, world, monkeypatch, capsys
):
    icb = OrganisationFactory(
        ods_code="QMJ", name="NHS North Central London ICB", org_type="icb", region=world.region
    )
    Organisation.objects.filter(pk__in=[world.trust_a.pk, world.trust_b.pk]).update(parent=icb)
    barriers_like_b(world, 1_000)  # open, in London (Y56)
    call_command("refresh_rollups", stdout=io.StringIO())
    _, key = AuthToken.objects.create(world.lead_b)
    monkeypatch.setenv("SPREADWATCH_URL", live_server.url)
    monkeypatch.setenv("SPREADWATCH_TOKEN", key)
    namespace = {}

    exec(readme_example("pandas"), namespace)  # noqa: S102 - the README's own example

    barriers, heatmap = namespace["barriers"], namespace["heatmap"]
    # Lead B sees every open London barrier but trust A's confidential one: over two pages.
    visible = Barrier.objects.filter(organisation__region__ods_code="Y56", status="open")
    expected = set(visible.exclude(pk=world.confidential_a.pk).values_list("public_id", flat=True))
    assert len(barriers) == len(expected) > 1_000
    assert set(barriers["id"]) == expected
    assert str(barriers["identified_on"].dtype).startswith("datetime64")
    assert list(heatmap.columns)[0] == "category"
    silo = heatmap.set_index("category").loc["Silo working"]
    # Every barrier here is silo working in that ICB; the lead counts only what they may see.
    assert silo["QMJ"] == len(expected)
    assert "Silo working" in capsys.readouterr().out
