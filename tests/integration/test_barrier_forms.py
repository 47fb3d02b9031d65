"""Logging and editing barriers: validation, escaping, history and no lost updates."""

import datetime
import re

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import Adoption, Barrier, BarrierStatus, EnablerAction
from adoption.registry.models import OrganisationType
from tests.factories import InnovationFactory, category
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def valid_barrier(world, **overrides):
    data = {
        "organisation": world.trust_a.ods_code,
        "innovation": world.innovation.pk,
        "category": category("savings-land-elsewhere").pk,
        "severity": "3",
        "description": "The savings land in primary care, not with us.",
        "pathway": "",
        "identified_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        "status": "open",
        "resolved_on": "",
        "partners": "",
        "savings_organisation": world.pcn.ods_code,
        "cost_borne_gbp": "120000",
        "savings_elsewhere_gbp": "300000",
        "complexity": "",
        "next_review_on": "",
        "is_confidential": "",
    }
    return data | overrides


def error_for(response, field):
    """The message shown beside a field, and whether the error summary links to it."""
    form = response.context["form"]
    messages = form.errors.get(field, [])
    page = response.content.decode()
    linked = bool(re.search(rf'href="#id_{field}(_0)?"', page))
    return " ".join(messages), linked


def test_lead_logs_a_barrier(client, world):
    response = signed_in(client, world.lead_a).post("/barriers/new/", valid_barrier(world))

    barrier = Barrier.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/barriers/{barrier.public_id}/"
    assert (barrier.organisation, barrier.reported_by) == (world.trust_a, world.lead_a)
    assert barrier.savings_organisation == world.pcn
    assert barrier.next_review_on == barrier.identified_on + datetime.timedelta(days=90)
    assert barrier.history.first().history_user == world.lead_a


def test_logging_a_barrier_for_a_new_innovation_records_the_adoption(client, world):
    other = InnovationFactory(name="Digital pathology")

    signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, innovation=other.pk)
    )

    adoption = Adoption.objects.get(innovation=other, organisation=world.trust_a)
    assert adoption.stage == "exploring"
    assert adoption.stage_changes.get().changed_by == world.lead_a


def test_logging_a_barrier_clears_a_no_barrier_mark(client, world):
    Barrier.objects.filter(organisation=world.trust_a).update(
        status=BarrierStatus.ACCEPTED, resolved_on=TODAY
    )
    services.confirm_no_current_barrier(by=world.lead_a, adoption=world.adoption_a)

    signed_in(client, world.lead_a).post("/barriers/new/", valid_barrier(world))

    world.adoption_a.refresh_from_db()
    assert world.adoption_a.no_barrier_confirmed_on is None


FUTURE = (TODAY + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"identified_on": FUTURE}, "identified_on", "cannot be in the future"),
        ({"identified_on": "31/02/2026"}, "identified_on", "Enter a real date"),
        (
            {"status": "resolved", "identified_on": "2026-03-10", "resolved_on": "2026-03-09"},
            "resolved_on",
            "cannot be before the date identified",
        ),
        ({"status": "resolved", "resolved_on": ""}, "resolved_on", "Enter the date"),
        (
            {"status": "open", "identified_on": "2025-12-01", "resolved_on": "2026-01-01"},
            "resolved_on",
            "Leave the date",
        ),
        ({"cost_borne_gbp": "-1"}, "cost_borne_gbp", "Enter an amount of £0 or more"),
        ({"cost_borne_gbp": "1000000001"}, "cost_borne_gbp", "no larger than £1,000,000,000"),
        ({"savings_elsewhere_gbp": "lots"}, "savings_elsewhere_gbp", "in whole pounds"),
        ({"innovation": ""}, "innovation", "Choose the innovation"),
        (
            {"description": "x" * 4001},
            "description",
            "Description must be 4,000 characters or fewer",
        ),
        ({"description": ""}, "description", "Describe the barrier"),
        ({"category": ""}, "category", "Choose what kind of barrier"),
        ({"severity": "7"}, "severity", "Select a valid choice"),
        ({"organisation": "RBB"}, "organisation", "only log barriers for an organisation"),
        ({"organisation": "ZZZ"}, "organisation", "Enter the ODS code of an organisation"),
        ({"savings_organisation": "RAA"}, "savings_organisation", "another organisation"),
        ({"partners": "RBB, NOPE1"}, "partners", "No organisation has the ODS code NOPE1"),
        ({"innovation": "999999"}, "innovation", "Choose an innovation from the list"),
    ],
)
def test_bad_input_refused_beside_the_field_and_nothing_stored(
    client, world, overrides, field, message
):
    before = Barrier.objects.count()

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, **overrides)
    )

    assert response.status_code == 400
    shown, linked = error_for(response, field)
    assert message in shown
    assert linked, "the error summary links to the field"
    assert "There is a problem" in response.content.decode()
    assert Barrier.objects.count() == before


def test_innovation_not_adopted_by_organisations_like_yours_refused(client, world):
    primary_care_only = InnovationFactory(adopter_types=[OrganisationType.GP_PRACTICE])

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, innovation=primary_care_only.pk)
    )

    assert response.status_code == 400
    assert "Choose an innovation from the list" in error_for(response, "innovation")[0]


def test_input_keeps_the_users_answers_after_an_error(client, world):
    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, cost_borne_gbp="-5")
    )

    assert "The savings land in primary care, not with us." in response.content.decode()


def test_text_is_escaped_on_output(client, world):
    signed_in(client, world.lead_a).post(
        "/barriers/new/",
        valid_barrier(world, description='<script>alert("x")</script> & more'),
    )
    barrier = Barrier.objects.latest("id")

    page = client.get(f"/barriers/{barrier.public_id}/").content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page


def edit_data(world, barrier, **overrides):
    data = valid_barrier(world, description=barrier.description, savings_organisation="")
    data.update(
        identified_on=barrier.identified_on.isoformat(),
        category=barrier.category_id,
        severity=str(barrier.severity),
        cost_borne_gbp="",
        savings_elsewhere_gbp="",
        next_review_on=barrier.next_review_on.isoformat(),
        version=str(barrier.version),
    )
    return data | overrides


def test_edit_records_who_changed_what(client, world):
    barrier = world.barrier_a
    signed_in(client, world.lead_a).post(
        f"/barriers/{barrier.public_id}/edit/", edit_data(world, barrier, severity="4")
    )

    barrier.refresh_from_db()
    assert (barrier.severity, barrier.version) == (4, 2)
    latest = barrier.history.first()
    assert latest.history_user == world.lead_a
    page = client.get(f"/barriers/{barrier.public_id}/").content.decode()
    assert "Alex Lead" in page
    assert "Severity: Moderate → Critical" in page


def test_second_editor_is_told_not_overwritten(client, world, django_user_model):
    barrier = world.barrier_a
    opened_at = edit_data(world, barrier, description="My edit, made from version 1")
    services.update_barrier(
        by=world.admin,
        barrier=barrier,
        fields={"description": "Someone else's edit"},
        expected_version=1,
    )

    response = signed_in(client, world.lead_a).post(
        f"/barriers/{barrier.public_id}/edit/", opened_at
    )

    assert response.status_code == 409
    barrier.refresh_from_db()
    assert barrier.description == "Someone else's edit"
    page = response.content.decode()
    assert "Someone else changed this while you were editing" in page
    assert "super" in page  # who made the other change
    assert "My edit, made from version 1" in page  # the user's input is kept
    assert str(response.context["form"]["version"].value()) == "2"

    # Saving again from the re-based form applies the user's change on top.
    again = client.post(f"/barriers/{barrier.public_id}/edit/", opened_at | {"version": "2"})
    assert again.status_code == 302
    barrier.refresh_from_db()
    assert (barrier.description, barrier.version) == ("My edit, made from version 1", 3)


def test_status_change_from_stale_version_refused(client, world):
    barrier = world.barrier_a
    services.change_barrier_status(
        by=world.admin, barrier=barrier, status="being_addressed", expected_version=1
    )

    response = signed_in(client, world.lead_a).post(
        f"/barriers/{barrier.public_id}/status/",
        {"status": "resolved", "resolved_on": TODAY.isoformat(), "version": "1"},
    )

    assert response.status_code == 409
    barrier.refresh_from_db()
    assert barrier.status == "being_addressed"


def test_resolving_without_a_date_uses_today(client, world):
    signed_in(client, world.lead_a).post(
        f"/barriers/{world.barrier_a.public_id}/status/",
        {"status": "resolved", "resolved_on": "", "version": "1"},
    )

    world.barrier_a.refresh_from_db()
    assert (world.barrier_a.status, world.barrier_a.resolved_on) == ("resolved", TODAY)


def test_recording_an_action_moves_an_open_barrier_to_being_addressed(client, world):
    from tests.factories import enabler

    response = signed_in(client, world.lead_a).post(
        f"/barriers/{world.barrier_a.public_id}/actions/new/",
        {
            "enabler_type": enabler("risk-sharing").pk,
            "owner": "Finance director",
            "started_on": TODAY.isoformat(),
            "completed_on": "",
            "outcome": "in_progress",
            "notes": "",
        },
    )

    assert response.status_code == 302
    action = EnablerAction.objects.get(barrier=world.barrier_a)
    assert (action.created_by, action.history.first().history_user) == (
        world.lead_a,
        world.lead_a,
    )
    world.barrier_a.refresh_from_db()
    assert world.barrier_a.status == "being_addressed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"owner": ""}, "owner"),
        ({"started_on": FUTURE}, "started_on"),
        ({"started_on": "2026-02-02", "completed_on": "2026-02-01"}, "completed_on"),
        ({"outcome": "resolved", "completed_on": ""}, "completed_on"),
        ({"enabler_type": "99999"}, "enabler_type"),
    ],
)
def test_bad_action_refused(client, world, overrides, field):
    from tests.factories import enabler

    data = {
        "enabler_type": enabler("risk-sharing").pk,
        "owner": "Finance director",
        "started_on": "2026-01-20",
        "completed_on": "",
        "outcome": "in_progress",
        "notes": "",
    } | overrides

    response = signed_in(client, world.lead_a).post(
        f"/barriers/{world.barrier_a.public_id}/actions/new/", data
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not EnablerAction.objects.exists()


def test_stage_update_with_note(client, world):
    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{world.adoption_a.pk}/",
        {"stage": "business_case", "changed_on": "", "note": "Board approved", "version": "1"},
    )

    assert response.status_code == 302
    change = world.adoption_a.stage_changes.get()
    assert (change.to_stage, change.note, change.changed_by) == (
        "business_case",
        "Board approved",
        world.lead_a,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stage": "exploring"}, "stage"),
        ({"stage": "piloting", "changed_on": FUTURE}, "changed_on"),
        ({"stage": "piloting", "changed_on": "2025-12-31"}, "changed_on"),
        ({"stage": "flying"}, "stage"),
    ],
)
def test_bad_stage_update_refused(client, world, data, field):
    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{world.adoption_a.pk}/",
        {"changed_on": "", "note": "", "version": "1"} | data,
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    world.adoption_a.refresh_from_db()
    assert world.adoption_a.stage == "exploring"


def test_stage_update_from_stale_version_refused(client, world):
    services.change_stage(by=world.admin, adoption=world.adoption_a, stage="business_case")

    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{world.adoption_a.pk}/",
        {"stage": "piloting", "changed_on": "", "note": "", "version": "1"},
    )

    assert response.status_code == 409
    world.adoption_a.refresh_from_db()
    assert world.adoption_a.stage == "business_case"


def test_no_current_barrier_refused_while_barriers_are_open(client, world):
    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{world.adoption_a.pk}/no-barrier/", follow=True
    )

    assert "still 2 open barriers" in response.content.decode()
    world.adoption_a.refresh_from_db()
    assert world.adoption_a.no_barrier_confirmed_on is None


def test_no_current_barrier_recorded_when_none_open(client, world):
    Barrier.objects.filter(organisation=world.trust_a).update(
        status=BarrierStatus.RESOLVED, resolved_on=TODAY
    )

    signed_in(client, world.lead_a).post(f"/adoptions/{world.adoption_a.pk}/no-barrier/")

    world.adoption_a.refresh_from_db()
    assert world.adoption_a.no_barrier_confirmed_on == TODAY
    home = client.get("/").content.decode()
    assert "None (confirmed" in home


def test_register_filter_with_bad_input_answers_400_with_field_message(client, world):
    response = signed_in(client, world.lead_a).get(
        "/barriers/?identified_after=2026-13-45&severity=9"
    )

    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert set(errors) == {"identified_after", "severity"}


def test_register_filters_narrow_the_list(client, world):
    world.barrier_b.severity = 4
    world.barrier_b.save()

    response = signed_in(client, world.lead_a).get("/barriers/?severity=4&region=Y56")

    assert [b.pk for b in response.context["page"].rows] == [world.barrier_b.pk]
    assert "Filter barriers (2 applied)" in response.content.decode()


def test_history_shows_partner_and_related_record_changes(client, world):
    barrier = world.barrier_a
    signed_in(client, world.lead_a).post(
        f"/barriers/{barrier.public_id}/edit/",
        edit_data(world, barrier, partners="RBB, RCC", category=category("procurement").pk),
    )

    page = client.get(f"/barriers/{barrier.public_id}/").content.decode()

    assert "Other organisations involved: — → RBB, RCC" in page
    assert "Silo working → Procurement" in page


def test_register_pages_through_every_barrier_once_each_way(client, world):
    from tests.factories import BarrierFactory

    for day in range(1, 121):
        BarrierFactory(
            innovation=world.innovation,
            organisation=world.trust_a,
            identified_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day % 40),
        )
    signed_in(client, world.lead_a)
    expected = list(
        Barrier.objects.order_by("-identified_on", "-public_id").values_list("id", flat=True)
    )

    seen, pages, url = [], [], "/barriers/"
    while url:
        page = client.get(url).context["page"]
        pages.append(page)
        seen += [b.pk for b in page.rows]
        url = f"/barriers/?after={page.next_cursor}" if page.next_cursor else None
    back = client.get(f"/barriers/?before={pages[-1].previous_cursor}").context["page"]

    assert seen == expected
    assert [b.pk for b in back.rows] == [b.pk for b in pages[-2].rows]
    assert client.get("/barriers/").context["count"].value == len(expected)


def test_register_refuses_a_malformed_page_position(client, world):
    response = signed_in(client, world.lead_a).get("/barriers/?after=yesterday")

    assert response.status_code == 400
    assert "is not a page position" in response.content.decode()


def test_edit_claiming_a_version_never_saved_is_refused_with_a_message(client, world):
    barrier = world.barrier_a
    forged = edit_data(world, barrier, severity="4") | {"version": str(barrier.version + 5)}

    response = signed_in(client, world.lead_a).post(f"/barriers/{barrier.public_id}/edit/", forged)

    assert response.status_code == 400
    assert "never been saved" in error_for(response, "version")[0]
    assert "never been saved" in response.content.decode()
    barrier.refresh_from_db()
    assert barrier.severity != 4


def test_stage_update_claiming_a_version_never_saved_is_refused(client, world):
    adoption = world.adoption_a

    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{adoption.pk}/",
        {"stage": "piloting", "note": "", "changed_on": "", "version": adoption.version + 1},
    )

    assert response.status_code == 400
    assert "never been saved" in response.content.decode()
    adoption.refresh_from_db()
    assert adoption.stage == "exploring"
