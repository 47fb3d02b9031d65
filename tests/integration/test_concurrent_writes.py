"""Two leads writing to one barrier at once are queued, never deadlocked: every write path
takes its row locks in one order (adoption/barriers/services.py)."""

import threading

import pytest
from django.db import connection, connections

from adoption.barriers import services
from adoption.barriers.models import Barrier
from tests.factories import BarrierFactory, category, enabler

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
    ),
]

PAIRS = 200


def run_together(*jobs):
    """Run each job in its own thread and connection, started at the same moment; return the
    errors they raised."""
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            start.wait()
            job()
        except services.StaleEdit:
            pass  # the second editor is told, which is right
        except Exception as error:  # noqa: BLE001 - any other failure is the finding
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_editing_a_category_while_an_action_is_recorded_never_deadlocks(world):
    categories = [category("silo-working"), category("savings-pressure")]
    pooled = enabler("pooled-budget")
    barriers = [
        BarrierFactory(innovation=world.innovation, organisation=world.trust_a) for _ in range(10)
    ]
    errors = []

    for n in range(PAIRS):
        barrier = Barrier.objects.get(pk=barriers[n % len(barriers)].pk)

        def edit(barrier=barrier, n=n):
            services.update_barrier(
                by=world.lead_a,
                barrier=barrier,
                fields={"category": categories[n % 2]},
                expected_version=barrier.version,
            )

        def act(barrier=barrier):
            services.record_enabler_action(
                by=world.lead_a,
                barrier=barrier,
                fields={"enabler_type": pooled, "owner": "Finance director"},
            )

        errors += run_together(edit, act)

    assert errors == []
