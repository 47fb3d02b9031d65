"""`send_notifications` through a real SMTP server on loopback (aiosmtpd): run twice, each
message arrives once, and the links in what arrived work."""

import datetime
import email
import email.policy
import io
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from adoption.barriers.models import Barrier
from adoption.notifications.models import Follow, OptOut, Sent
from tests.factories import InnovationFactory, RegionFactory
from tests.integration.conftest import signed_in
from tests.integration.test_stall_findings import QUARTER, TODAY, stalled_place

pytestmark = pytest.mark.django_db

SITE_URL = "http://testserver"


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.received = []
        self.connections = 0
        self.refuse = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Spreadwatch <spreadwatch@example.nhs.uk>"
    settings.SITE_URL = SITE_URL
    yield inbox
    controller.stop()


@pytest.fixture
def busy_world(icb_world):
    """Lead A has an overdue review, the ICB an escalation waiting, and the national team
    member follows an innovation flagged as stalling in Region A."""
    w = icb_world
    Barrier.objects.filter(pk=w.barrier_a.pk).update(
        next_review_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    region = RegionFactory(ods_code="Y59", name="Region A")
    stalling = InnovationFactory(name="Home monitoring")
    stalled_place(
        stalling, region, organisations=12, barrier="procurement", start=TODAY - QUARTER * 21
    )
    Follow.objects.create(user=w.national, innovation=stalling)
    return w


def send():
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    return out.getvalue()


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def links(text):
    return sorted(set(re.findall(rf"{re.escape(SITE_URL)}/[^\s\"<>]*", text)))


def test_running_twice_delivers_each_message_once_through_smtp(smtp_server, busy_world):
    w = busy_world

    send()
    assert smtp_server.connections == 1  # one connection for the run
    second = send()

    recipients = sorted(to for tos, _ in smtp_server.received for to in tos)
    assert recipients == sorted([w.lead_a.email, w.icb_lead.email, w.national.email])
    assert "Sent 0 emails" in second
    subjects = {tos[0]: message["Subject"] for tos, message in smtp_server.received}
    assert subjects[w.lead_a.email].startswith("Your Spreadwatch week")
    assert subjects[w.icb_lead.email] == "Spreadwatch: 1 escalation waiting for you"
    assert "newly flagged as stalling" in subjects[w.national.email]
    assert Sent.objects.count() == 3
    for _, message in smtp_server.received:
        assert message["From"] == "Spreadwatch <spreadwatch@example.nhs.uk>"
        assert (
            message["List-Unsubscribe"]
            .strip()
            .startswith(f"<{SITE_URL}/notifications/unsubscribe/")
        )
        text, html = parts(message)
        assert "Unsubscribe" in text and "#005eb8" in html


def test_the_links_in_a_delivered_email_work(client, smtp_server, busy_world):
    w = busy_world
    send()

    for user in (w.lead_a, w.icb_lead, w.national):
        (message,) = [m for tos, m in smtp_server.received if tos == [user.email]]
        text, html = parts(message)
        found = links(html.replace("&amp;", "&"))
        assert set(links(text)) <= set(found)
        unsubscribe = [url for url in found if "/notifications/unsubscribe/" in url]
        assert unsubscribe
        signed_in(client, user)
        for url in found:
            if url not in unsubscribe:
                response = client.get(url.removeprefix(SITE_URL))
                assert response.status_code == 200, url
        client.logout()
        # The unsubscribe link works without signing in: it asks, then unsubscribes.
        path = unsubscribe[0].removeprefix(SITE_URL)
        assert client.get(path).status_code == 200
        assert not OptOut.objects.filter(user=user).exists()
        assert client.post(path, {"what": "all"}).status_code == 200
        assert OptOut.objects.filter(user=user).exists()

    national_text, _ = parts(
        [m for tos, m in smtp_server.received if tos == [w.national.email]][0]
    )
    assert any("/dashboard/spread/" in url for url in links(national_text))


def test_a_recipient_the_server_refuses_is_tried_again_next_run(smtp_server, busy_world):
    w = busy_world
    smtp_server.refuse = {w.lead_a.email}

    with pytest.raises(CommandError, match="1 email could not be sent"):
        send()

    delivered = sorted(to for tos, _ in smtp_server.received for to in tos)
    assert delivered == sorted([w.icb_lead.email, w.national.email])
    assert not Sent.objects.filter(user=w.lead_a).exists()

    smtp_server.refuse = set()
    send()

    delivered = sorted(to for tos, _ in smtp_server.received for to in tos)
    assert delivered == sorted([w.lead_a.email, w.icb_lead.email, w.national.email])
