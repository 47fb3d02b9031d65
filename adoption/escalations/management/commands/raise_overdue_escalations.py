from django.core.management.base import BaseCommand

from adoption.escalations.services import raise_overdue_escalations


class Command(BaseCommand):
    help = (
        "Record each escalation due date passed without its step (shown as overdue), and raise "
        "an ICB escalation to the national team at its second missed due date. Idempotent: "
        "run it daily from cron."
    )

    def handle(self, *args, **options):
        missed, raised = raise_overdue_escalations()
        self.stdout.write(
            f"{missed} missed due date{'s' if missed != 1 else ''} recorded; "
            f"{raised} escalation{'s' if raised != 1 else ''} raised to the national team."
        )
