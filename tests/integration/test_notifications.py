"""Email notifications: the lead's weekly digest, groups newly flagged as stalling for their
followers, escalations waiting or overdue for ICB leads and the national team; sent once
however often `send_notifications` runs, confidential barriers only to those who may see
them, and the pages to follow things and to unsubscribe without signing in."""

import datetime
import html
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from adoption.barriers.models import Barrier, BarrierStatus
from adoption.escalations import services as escalation_services
from adoption.notifications import services
from adoption.notifications.models import DashboardPage, Follow, OptOut, Sent
from tests.factories import (
    BarrierFactory,
    EnablerActionFactory,
    InnovationFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
)
from tests.integration.conftest import signed_in
from tests.integration.test_stall_findings import QUARTER, TODAY, stalled_place

pytestmark = pytest.mark.django_db


def send(*args):
    out = io.StringIO()
    call_command("send_notifications", *args, stdout=out)
    return out.getvalue()


def emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def only_email_to(user):
    (message,) = emails_to(user)
    return message


def html_of(message):
    (html, kind), *_ = message.alternatives
    assert kind == "text/html"
    return html


# --- the weekly digest -----------------------------------------------------------------------


@pytest.fixture
def digest_world(icb_world):
    """Barrier A's review is overdue, the ICB acknowledged its escalation, and trust C resolved
    a barrier of the same innovation and category two days ago with a pooled budget."""
    w = icb_world
    today = timezone.localdate()
    Barrier.objects.filter(pk=w.barrier_a.pk).update(
        next_review_on=today - datetime.timedelta(days=3)
    )
    Barrier.objects.filter(pk=w.barrier_b.pk).update(next_review_on=today)
    # Not due for months: not in the digest.
    Barrier.objects.filter(pk=w.confidential_a.pk).update(
        next_review_on=today + datetime.timedelta(days=120)
    )
    escalation_services.take_step(
        by=w.icb_lead,
        escalation=w.escalation_a,
        to_state="acknowledged",
        expected_version=w.escalation_a.version,
    )
    w.solved_c = BarrierFactory(
        innovation=w.innovation,
        organisation=w.trust_c,
        status=BarrierStatus.RESOLVED,
        identified_on=today - datetime.timedelta(days=62),
        resolved_on=today - datetime.timedelta(days=2),
        description="Solved at trust C with the community trust.",
    )
    EnablerActionFactory(barrier=w.solved_c)
    return w


def test_digest_tells_a_lead_reviews_answers_and_someone_solved_this(digest_world):
    w = digest_world

    send()

    message = only_email_to(w.lead_a)
    assert message.subject.startswith("Your Spreadwatch week: 1 review due")
    text, html = message.body, html_of(message)
    for body in (text, html):
        assert "overdue since" in body.lower()
        assert "Trust A" in body
        assert "acknowledged" in body
        assert "Trust C" in body
        assert "after 60 days" in body
        assert "pooled budget" in body
        assert f"http://testserver.example/barriers/{w.solved_c.public_id}/" in body
        assert f"/escalations/{w.escalation_a.public_id}/" in body
    # The confidential barrier, not due, is not told.
    assert w.confidential_a.public_id not in text


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def test_digest_is_not_sent_to_someone_who_leads_nothing_or_has_nothing_to_hear(world):
    send()

    assert emails_to(world.national) == []
    assert emails_to(world.admin) == []
    # Nothing due, answered or solved for lead B.
    assert emails_to(world.lead_b) == []


def test_digest_goes_once_a_week(digest_world, settings):
    w = digest_world
    send()
    send()
    assert len(emails_to(w.lead_a)) == 1

    next_week = timezone.now() + datetime.timedelta(days=7)
    result = services.plan(now=next_week)
    assert [m.kind for m in result.messages if m.user == w.lead_a] == ["digest"]


# --- confidentiality ------------------------------------------------------------------------


def test_a_confidential_barrier_never_appears_in_another_organisations_email(icb_world):
    w = icb_world
    today = timezone.localdate()
    # Trust A resolved, confidentially, what trust B still has open (same innovation and
    # category), and has a confidential barrier overdue for review.
    secret = BarrierFactory(
        innovation=w.innovation,
        organisation=w.trust_a,
        status=BarrierStatus.RESOLVED,
        is_confidential=True,
        identified_on=today - datetime.timedelta(days=30),
        resolved_on=today - datetime.timedelta(days=1),
        description="A confidential deal with the commissioner.",
    )
    Barrier.objects.filter(pk=w.confidential_a.pk).update(
        next_review_on=today - datetime.timedelta(days=1)
    )
    Barrier.objects.filter(pk=w.barrier_b.pk).update(
        next_review_on=today + datetime.timedelta(days=2)
    )
    # And escalated the confidential barrier straight to the national team.
    secret_escalation = escalation_services.escalate(
        by=w.lead_a, barrier=w.confidential_a, level="national", lever="tariff_change", ask="Help"
    )

    send()

    lead_b_email = only_email_to(w.lead_b)
    for body in (lead_b_email.body, html_of(lead_b_email)):
        assert "Nobody else resolved a barrier like yours" in body
        assert secret.public_id not in body
        assert w.confidential_a.public_id not in body
    lead_a_email = only_email_to(w.lead_a)
    assert w.confidential_a.public_id in lead_a_email.body  # their own: told
    national_email = only_email_to(w.national)
    assert w.confidential_a.innovation.name in national_email.body
    # Neither ICB lead hears of the escalation that went straight to the national team.
    assert secret_escalation.public_id in national_email.body
    for icb_lead in (w.icb_lead, w.icb_lead_other):
        for message in emails_to(icb_lead):
            assert secret_escalation.public_id not in message.body


# --- escalations waiting or overdue ----------------------------------------------------------


def test_escalation_is_told_to_its_icb_when_waiting_and_again_when_overdue(icb_world):
    w = icb_world
    escalation = w.escalation_a

    send()
    send()

    waiting = only_email_to(w.icb_lead)
    assert waiting.subject == "Spreadwatch: 1 escalation waiting for you"
    assert escalation.ask in waiting.body
    assert emails_to(w.icb_lead_other) == []
    assert emails_to(w.national) == []

    late = timezone.now() + datetime.timedelta(days=10)
    result = services.plan(now=late)
    (overdue,) = [m for m in result.messages if m.user == w.icb_lead]
    assert overdue.subject == "Spreadwatch: 1 overdue"
    services.deliver(result, now=late)
    assert [m for m in services.plan(now=late).messages if m.user == w.icb_lead] == []


def test_an_acknowledged_escalation_not_yet_due_is_not_told_again(icb_world):
    w = icb_world
    escalation_services.take_step(
        by=w.icb_lead,
        escalation=w.escalation_a,
        to_state="acknowledged",
        expected_version=w.escalation_a.version,
    )

    send()

    assert emails_to(w.icb_lead) == []


def test_national_team_is_told_of_escalations_at_national_level(icb_world):
    w = icb_world
    escalation_services.escalate(
        by=w.lead_b, barrier=w.barrier_b, level="national", lever="tariff_change", ask="Tariff"
    )

    send()

    message = only_email_to(w.national)
    assert "Tariff" in message.body
    assert "Trust B" in message.body
    # The superuser, who is no member of the national team, is not emailed.
    assert emails_to(w.admin) == []


# --- following: groups newly flagged as stalling ----------------------------------------------


@pytest.fixture
def stalling(world):
    """An innovation flagged as stalling in Region A."""
    world.stall_region = RegionFactory(ods_code="Y59", name="Region A")
    world.stalling = InnovationFactory(name="Home monitoring")
    stalled_place(
        world.stalling,
        world.stall_region,
        organisations=12,
        barrier="savings-land-elsewhere",
        start=TODAY - QUARTER * 21,
    )
    return world


def test_a_follower_is_told_once_when_a_group_is_newly_flagged(stalling):
    w = stalling
    follow = Follow.objects.create(user=w.national, innovation=w.stalling)

    send()
    send()

    message = only_email_to(w.national)
    assert message.subject == "Spreadwatch: 1 group you follow newly flagged as stalling"
    for body in (message.body, html_of(message)):
        assert "Home monitoring in Region A" in body
        assert "Savings land elsewhere" in body
        assert f"/dashboard/spread/{w.stalling.pk}/region/Y59/" in body
    follow.refresh_from_db()
    assert follow.flagged == [f"{w.stalling.pk}:region:{w.stall_region.pk}"]
    assert Sent.objects.filter(user=w.national, kind="stall").count() == 1


def test_a_group_flagged_when_last_checked_is_not_told_again(stalling):
    w = stalling
    Follow.objects.create(
        user=w.lead_a,
        innovation=w.stalling,
        flagged=[f"{w.stalling.pk}:region:{w.stall_region.pk}"],
    )

    send()

    assert [m.subject for m in emails_to(w.lead_a) if "stalling" in m.subject] == []


def test_following_a_region_or_a_saved_view_tells_its_flags(stalling):
    w = stalling
    icb_lead = UserFactory(username="follower")
    Follow.objects.create(user=icb_lead, organisation=w.stall_region)
    Follow.objects.create(user=w.national, page=DashboardPage.SPREAD, query="region=Y59")
    # A region where nothing stalls.
    Follow.objects.create(user=w.lead_b, organisation=w.region)

    send()

    assert "Home monitoring in Region A" in only_email_to(icb_lead).body
    assert "Home monitoring in Region A" in only_email_to(w.national).body
    assert [m for m in emails_to(w.lead_b) if "stalling" in m.subject] == []


def test_a_flag_told_earlier_today_leaves_the_other_new_flags_to_be_told(stalling):
    """A group flagged, cleared and flagged again on one day was told the first time; a flag
    new today through another follow is still told."""
    w = stalling
    told = Follow.objects.create(user=w.national, innovation=w.stalling)
    Follow.objects.create(user=w.national, organisation=w.stall_region)
    key = f"{w.stalling.pk}:region:{w.stall_region.pk}"
    today = timezone.localdate().isoformat()
    Sent.objects.create(
        user=w.national,
        kind="stall",
        key=f"stall:{told.pk}:{key}:{today}",
        subject="Earlier",
        sent_at=timezone.now(),
    )

    send()

    message = only_email_to(w.national)
    assert message.subject == "Spreadwatch: 1 group you follow newly flagged as stalling"
    assert Sent.objects.filter(user=w.national, kind="stall").count() == 2
    told.refresh_from_db()
    assert told.flagged == [key]


# --- sending: idempotent, dry run, failures ------------------------------------------------


def test_running_twice_sends_each_message_once(digest_world):
    send()
    first = [(m.to, m.subject) for m in mail.outbox]
    output = send()

    assert len(first) == 2  # the digests of leads A and B
    assert [(m.to, m.subject) for m in mail.outbox] == first
    assert "Sent 0 emails" in output
    assert Sent.objects.filter(user=digest_world.lead_a, kind="digest").count() == 1


def test_what_was_sent_is_recorded_as_of_when_its_content_was_read(digest_world):
    """An answer recorded while a run is still sending is in the next week's digest, as the
    digest starts from when the last one's content was read."""
    planned_at = timezone.now() - datetime.timedelta(minutes=5)

    services.deliver(services.plan(now=planned_at))

    sent = Sent.objects.filter(user=digest_world.lead_a, kind="digest").get()
    assert sent.sent_at == planned_at


def test_a_second_run_while_one_is_sending_sends_nothing(digest_world):
    from django.core.cache import cache

    from adoption.notifications.management.commands.send_notifications import LOCK

    cache.add(LOCK, 1, timeout=60)  # a run on another server is sending
    try:
        output = send()
    finally:
        cache.delete(LOCK)

    assert "Another send_notifications run is sending" in output
    assert mail.outbox == [] and not Sent.objects.exists()
    send()
    assert len(mail.outbox) == 2  # once it has finished, the next run sends


def test_dry_run_prints_what_would_go_and_sends_and_records_nothing(digest_world, stalling):
    w = digest_world
    follow = Follow.objects.create(user=w.national, innovation=w.stalling)

    output = send("--dry-run")

    assert f"{w.lead_a.email}: Your Spreadwatch week" in output
    assert f"{w.lead_b.email}: Your Spreadwatch week" in output
    assert f"{w.national.email}: Spreadwatch: 1 group you follow" in output
    assert "Would send 3 emails to 3 people (2 digests, 1 stall alerts, 0 escalation alerts)" in (
        output
    )
    assert mail.outbox == []
    assert not Sent.objects.exists()
    follow.refresh_from_db()
    assert follow.flagged == [] and follow.checked_at is None


def test_a_refused_email_is_not_recorded_and_the_command_fails(digest_world, monkeypatch):
    w = digest_world
    real_send = mail.EmailMultiAlternatives.send

    def refuse_the_lead(self, *args, **kwargs):
        if self.to == [w.lead_a.email]:
            raise OSError("Connection refused")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", refuse_the_lead)

    with pytest.raises(CommandError, match="1 email could not be sent"):
        send()

    assert emails_to(w.lead_b)  # the others still went
    assert not Sent.objects.filter(user=w.lead_a).exists()
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", real_send)
    send()
    assert len(emails_to(w.lead_a)) == 1


def test_no_email_to_someone_opted_out_or_without_an_address(digest_world):
    w = digest_world
    OptOut.objects.create(user=w.lead_a)
    w.lead_b.email = ""
    w.lead_b.save()

    send()

    assert mail.outbox == []


def test_emails_carry_html_absolute_links_and_a_list_unsubscribe_header(digest_world):
    send()

    message = only_email_to(digest_world.lead_a)
    html = html_of(message)
    assert "#005eb8" in html
    assert 'href="/' not in html
    assert "http://testserver.example/notifications/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://testserver.example/notifications/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_queries_are_bounded_per_person(icb_world, django_assert_max_num_queries):
    """Per person: their memberships (1), the digest's last send, reviews, answers, solved
    barriers, their actions and enabler types (6), escalations (1), follows read with everyone
    (0), the keys sent before (1); and a few for the whole run."""
    w = icb_world
    for number in range(6):
        lead = UserFactory(username=f"lead{number}")
        trust = OrganisationFactory(region=w.region, parent=w.icb)
        MembershipFactory(user=lead, organisation=trust)
        BarrierFactory(innovation=w.innovation, organisation=trust)
    people = 6 + len(w.users)

    with django_assert_max_num_queries(3 + people * 10):
        services.plan()


# --- unsubscribing without signing in ------------------------------------------------------


def test_unsubscribe_link_asks_first_and_unsubscribes_on_post_without_sign_in(
    client, digest_world
):
    w = digest_world
    send()
    url = services.Message(
        user=w.lead_a, kind="digest", keys=[], subject="", template="digest", context={}
    ).unsubscribe_url.removeprefix("http://testserver.example")

    page = client.get(url)

    assert page.status_code == 200
    assert b"Unsubscribe from every email" in page.content
    assert not OptOut.objects.filter(user=w.lead_a).exists()

    done = client.post(url)

    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert OptOut.objects.filter(user=w.lead_a).exists()
    assert [m for m in services.plan().messages if m.user == w.lead_a] == []


def test_stop_following_link_removes_that_follow_only(client, stalling):
    w = stalling
    follow = Follow.objects.create(user=w.lead_a, innovation=w.stalling)
    other = Follow.objects.create(user=w.lead_a, organisation=w.region)
    url = f"/notifications/unsubscribe/{services.unsubscribe_token(w.lead_a, follow)}/"

    assert b"Stop following Innovation: Home monitoring" in client.get(url).content
    response = client.post(url, {"what": "follow"})

    assert b"You no longer follow Innovation: Home monitoring" in response.content
    assert list(Follow.objects.filter(user=w.lead_a)) == [other]
    assert not OptOut.objects.exists()
    # A second click, the follow gone: still only that follow, never every email.
    again = client.post(url, {"what": "follow"})
    assert again.status_code == 200 and b"You no longer follow" in again.content
    assert not OptOut.objects.exists()


@pytest.mark.parametrize("token", ["1", "not-a-token", "eyJ1IjoxfQ:1abc:forged"])
def test_a_bad_unsubscribe_token_answers_400_not_500(client, world, token):
    response = client.get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert b"This unsubscribe link does not work" in response.content
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 400
    assert not OptOut.objects.exists()


def test_a_tampered_unsubscribe_token_answers_400(client, world):
    token = services.unsubscribe_token(world.lead_a)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert client.post(f"/notifications/unsubscribe/{tampered}/").status_code == 400
    assert not OptOut.objects.exists()


# --- the follow page --------------------------------------------------------------------------


def test_follow_page_lists_adds_and_removes_follows(client, world):
    signed_in(client, world.lead_a)

    assert client.get("/notifications/").status_code == 200
    added = client.post("/notifications/", {"innovation": world.innovation.pk})
    assert added.status_code == 302
    follow = Follow.objects.get(user=world.lead_a)
    assert follow.innovation == world.innovation
    page = client.get("/notifications/")
    assert b"Innovation: Virtual wards" in page.content

    client.post("/notifications/", {"organisation": "rbb"})
    assert Follow.objects.filter(user=world.lead_a, organisation=world.trust_b).exists()

    assert client.post(f"/notifications/{follow.pk}/remove/").status_code == 302
    assert not Follow.objects.filter(pk=follow.pk).exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({}, "innovation", "Choose an innovation or enter an organisation"),
        ({"organisation": "ZZZ99"}, "organisation", "No organisation has the ODS code"),
        ({"innovation": "999999"}, "innovation", "Select a valid choice"),
        ({"page": "dashboard-spread", "query": "region=NOPE"}, "query", "cannot be followed"),
        ({"page": "dashboard-spread", "query": "colour=red"}, "query", "“colour” is not a filter"),
        ({"page": "nowhere"}, "page", "Select a valid choice"),
    ],
)
def test_follow_form_answers_bad_input_with_a_field_error(client, world, data, field, words):
    signed_in(client, world.lead_a)

    response = client.post("/notifications/", data)

    assert response.status_code == 400
    assert any(words in error for error in response.context["form"].errors[field])
    assert words in html.unescape(response.content.decode())
    assert not Follow.objects.exists()


def test_following_twice_is_refused(client, world):
    signed_in(client, world.lead_a)
    client.post("/notifications/", {"innovation": world.innovation.pk})

    response = client.post("/notifications/", {"innovation": world.innovation.pk})

    assert response.status_code == 400
    assert response.context["form"].errors["innovation"] == ["You already follow this."]


def test_dashboard_follow_buttons_post_what_the_page_shows(client, world):
    signed_in(client, world.national)

    spread = client.get("/dashboard/?region=Y56&group_by=region")
    innovation = client.get(f"/dashboard/innovations/{world.innovation.pk}/")
    organisation = client.get("/dashboard/organisations/RAA/")

    assert b'name="page" value="dashboard-spread"' in spread.content
    assert b'name="query" value="region=Y56&amp;group_by=region"' in spread.content
    assert f'name="innovation" value="{world.innovation.pk}"'.encode() in innovation.content
    assert b'name="organisation" value="RAA"' in organisation.content
    response = client.post(
        "/notifications/", {"page": "dashboard-spread", "query": "region=Y56&group_by=region"}
    )
    assert response.status_code == 302
    follow = Follow.objects.get(user=world.national)
    assert follow.query == "region=Y56&group_by=region"
    assert follow.view_url() == "/dashboard/?region=Y56&group_by=region"
    assert follow.describe() == "Spread dashboard (Region: Y56; Compare by: region)"


def test_nobody_removes_someone_elses_follow(client, world):
    follow = Follow.objects.create(user=world.lead_b, innovation=world.innovation)
    signed_in(client, world.lead_a)

    assert client.post(f"/notifications/{follow.pk}/remove/").status_code == 404
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_emails_can_be_turned_off_and_on_from_the_follow_page(client, world):
    signed_in(client, world.lead_a)

    client.post("/notifications/emails/", {"emails": "off"})
    assert OptOut.objects.filter(user=world.lead_a).exists()
    assert b"Turn emails back on" in client.get("/notifications/").content
    client.post("/notifications/emails/", {"emails": "on"})
    assert not OptOut.objects.filter(user=world.lead_a).exists()


def test_anonymous_users_cannot_open_the_follow_page(client, world):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_stall_checks_cost_a_bounded_number_of_queries_per_follow(
    stalling, django_assert_max_num_queries
):
    """Each follow reads the Spread page's flags with its filters: the figure cache (a few
    lookups) and, cold, the page's own queries; the first of a view counts them, the rest of
    the same view read them back."""
    w = stalling
    followers = [UserFactory(username=f"follower{number}") for number in range(6)]
    for follower in followers:
        Follow.objects.create(user=follower, innovation=w.stalling)
        Follow.objects.create(user=follower, organisation=w.stall_region)
    people = len(followers) + len(w.users)

    with django_assert_max_num_queries(40 + people * 4 + len(followers) * 2 * 10):
        result = services.plan()

    assert {m.user for m in result.messages if m.kind == "stall"} == set(followers)


def test_one_click_unsubscribe_posts_without_a_csrf_token(world):
    from django.test import Client

    mail_client = Client(enforce_csrf_checks=True)
    url = f"/notifications/unsubscribe/{services.unsubscribe_token(world.lead_a)}/"

    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert OptOut.objects.filter(user=world.lead_a).exists()


def test_html_emails_load_nothing_from_elsewhere(digest_world):
    send()

    html_email = html_of(only_email_to(digest_world.lead_a))
    assert "<img" not in html_email
    assert "<link" not in html_email
    assert "<script" not in html_email
    assert "font-family:Frutiger W01,Arial,sans-serif" in html_email
