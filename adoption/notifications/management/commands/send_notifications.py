import os
from collections import Counter

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from adoption.notifications import services

# One run at a time, whichever server cron starts it on: two runs planning the same emails
# would both send them. The lock lives in the shared cache (an atomic add) and expires on its
# own if a run dies holding it.
LOCK = "notifications:send_notifications:running"
LOCK_SECONDS = 3 * 60 * 60


class Command(BaseCommand):
    help = (
        "Email innovation leads their weekly digest, followers the groups newly flagged as "
        "stalling, and ICB leads and the national team the escalations waiting or overdue. "
        "Idempotent: what was sent is recorded and never sent twice. Run it from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print who would be sent what; send and record nothing.",
        )

    def handle(self, *args, dry_run, **options):
        if dry_run:
            planned = services.plan()
            for message in planned.messages:
                self.stdout.write(f"{message.user.email}: {message.subject}")
            self.stdout.write(f"Would send {self._summary(planned.messages)}. Nothing was sent.")
            return
        if not cache.add(LOCK, os.getpid(), timeout=LOCK_SECONDS):
            self.stdout.write("Another send_notifications run is sending: this one sent nothing.")
            return
        try:
            outcome = services.deliver(services.plan())
        finally:
            cache.delete(LOCK)
        self.stdout.write(f"Sent {self._summary(outcome.sent)}.")
        if outcome.failed:
            raise CommandError(
                f"{len(outcome.failed)} email{'s' if len(outcome.failed) != 1 else ''} could "
                "not be sent (see the log); the next run tries again."
            )

    @staticmethod
    def _summary(messages):
        kinds = Counter(message.kind for message in messages)
        people = len({message.user.pk for message in messages})
        return (
            f"{len(messages)} email{'s' if len(messages) != 1 else ''} to {people} "
            f"{'person' if people == 1 else 'people'} ({kinds['digest']} digests, "
            f"{kinds['stall']} stall alerts, {kinds['escalation']} escalation alerts)"
        )
