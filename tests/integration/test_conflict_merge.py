"""Saving again after someone else saved first applies only what this editor changed."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import BarrierStatus, Stage
from tests.integration.conftest import signed_in
from tests.integration.test_barrier_forms import edit_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


class _FormValues(HTMLParser):
    """What a browser would submit from the page's last POST form, untouched."""

    def __init__(self):
        super().__init__()
        self.forms, self._textarea, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append({})
        elif not self.forms or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            default = "on" if kind == "checkbox" else ""
            self.forms[-1][attrs["name"]] = attrs.get("value", default)
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.forms[-1][self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
            self.forms[-1].setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data.removeprefix("\n")


def resubmitted(response):
    parser = _FormValues()
    parser.feed(response.content.decode())
    data = parser.forms[-1]
    data.pop("csrfmiddlewaretoken", None)
    return data


def saved_by_a_colleague(world, barrier, fields):
    """Someone else's edit, saved while this editor's form is open."""
    services.update_barrier(
        by=world.admin, barrier=barrier, fields=fields, expected_version=barrier.version
    )


def test_reapplied_typo_fix_keeps_a_colleagues_resolution(client, world):
    barrier = world.barrier_a
    opened = signed_in(client, world.lead_a).get(f"/barriers/{barrier.public_id}/edit/")
    typo_fixed = resubmitted(opened) | {"description": "The savings land in primary care."}
    services.change_barrier_status(
        by=world.admin,
        barrier=barrier,
        status=BarrierStatus.RESOLVED,
        resolved_on=TODAY,
        expected_version=barrier.version,
    )

    refused = client.post(f"/barriers/{barrier.public_id}/edit/", typo_fixed)
    assert refused.status_code == 409
    again = client.post(f"/barriers/{barrier.public_id}/edit/", resubmitted(refused))

    assert again.status_code == 302
    barrier.refresh_from_db()
    assert (barrier.status, barrier.resolved_on) == (BarrierStatus.RESOLVED, TODAY)
    assert barrier.description == "The savings land in primary care."


def test_reapplied_edit_keeps_a_colleagues_description_and_severity(client, world):
    barrier = world.barrier_a
    opened = signed_in(client, world.lead_a).get(f"/barriers/{barrier.public_id}/edit/")
    mine = resubmitted(opened) | {"cost_borne_gbp": "5000"}
    saved_by_a_colleague(
        world, barrier, {"description": "Their better description", "severity": 4}
    )

    refused = client.post(f"/barriers/{barrier.public_id}/edit/", mine)
    assert refused.status_code == 409
    assert "Their better description" in refused.content.decode()
    client.post(f"/barriers/{barrier.public_id}/edit/", resubmitted(refused))

    barrier.refresh_from_db()
    assert (barrier.description, barrier.severity) == ("Their better description", 4)
    assert barrier.cost_borne_gbp == 5000


def test_both_changing_one_field_shows_both_values_and_keeps_theirs_until_chosen(client, world):
    barrier = world.barrier_a
    mine = edit_data(world, barrier, description="My wording")
    saved_by_a_colleague(world, barrier, {"description": "Their wording"})

    refused = signed_in(client, world.lead_a).post(f"/barriers/{barrier.public_id}/edit/", mine)

    assert refused.status_code == 409
    page = refused.content.decode()
    assert "My wording" in page and "Their wording" in page
    assert resubmitted(refused)["description"] == "Their wording"
    chosen = client.post(
        f"/barriers/{barrier.public_id}/edit/",
        resubmitted(refused) | {"description": "My wording"},
    )
    assert chosen.status_code == 302
    barrier.refresh_from_db()
    assert barrier.description == "My wording"


def test_reapplied_status_change_keeps_a_colleagues_other_edit(client, world):
    barrier = world.barrier_a
    opened = signed_in(client, world.lead_a).get(f"/barriers/{barrier.public_id}/status/")
    mine = resubmitted(opened) | {"status": "being_addressed"}
    saved_by_a_colleague(world, barrier, {"status": BarrierStatus.RESOLVED, "resolved_on": TODAY})

    refused = client.post(f"/barriers/{barrier.public_id}/status/", mine)
    assert refused.status_code == 409
    assert "Being addressed" in refused.content.decode()
    again = client.post(f"/barriers/{barrier.public_id}/status/", resubmitted(refused))

    barrier.refresh_from_db()
    assert again.status_code == 302
    assert (barrier.status, barrier.resolved_on) == (BarrierStatus.RESOLVED, TODAY)


def test_reapplied_stage_update_does_not_move_a_colleagues_stage_back(client, world):
    adoption = world.adoption_a
    opened = signed_in(client, world.lead_a).get(f"/adoptions/{adoption.pk}/")
    mine = resubmitted(opened) | {"stage": "business_case", "note": "Board approved"}
    services.change_stage(by=world.admin, adoption=adoption, stage=Stage.BUSINESS_CASE)
    services.change_stage(by=world.admin, adoption=adoption, stage=Stage.PILOTING)

    refused = client.post(f"/adoptions/{adoption.pk}/", mine)
    assert refused.status_code == 409
    assert "Business case" in refused.content.decode()
    client.post(f"/adoptions/{adoption.pk}/", resubmitted(refused))

    adoption.refresh_from_db()
    assert adoption.stage == Stage.PILOTING


def test_reapplied_stage_update_applies_when_only_other_details_changed(client, world):
    adoption = world.adoption_a
    mine = {"stage": "business_case", "changed_on": "", "note": "Board approved", "version": "1"}
    services.update_adoption(by=world.admin, adoption=adoption, fields={"route": "mandated"})

    refused = signed_in(client, world.lead_a).post(f"/adoptions/{adoption.pk}/", mine)
    assert refused.status_code == 409
    client.post(f"/adoptions/{adoption.pk}/", resubmitted(refused))

    adoption.refresh_from_db()
    assert (adoption.stage, adoption.route) == (Stage.BUSINESS_CASE, "mandated")
    assert adoption.stage_changes.latest("id").note == "Board approved"
    assert adoption.stage_changed_on == TODAY
