"""Reads for the home page: the service at a glance."""

from django.db.models import Count, Q

from adoption.barriers.models import ADOPTER_STAGES, OPEN_STATUSES, Adoption, Barrier
from adoption.dashboards import tallies
from adoption.registry.models import Innovation, Organisation


def service_summary(access):
    """Headline counts for the home page, in six queries whatever the data size. The open
    barriers are the barrier tally's, less the confidential ones the viewer may not see (a
    partial index holds those few)."""
    adoptions = Adoption.objects.aggregate(
        total=Count("id"), adopters=Count("id", filter=Q(stage__in=ADOPTER_STAGES))
    )
    tallied = tallies.BARRIERS.rows(used={}).sum(["status"], ["barriers"], status=OPEN_STATUSES)
    confidential = Barrier.objects.open().filter(is_confidential=True)
    hidden = confidential.count() - access.visible_barriers(confidential).count()
    return {
        "organisations": Organisation.objects.active().count(),
        "innovations": Innovation.objects.count(),
        "adoptions": adoptions["total"],
        "adopters": adoptions["adopters"],
        "open_barriers": sum(n for _, n in tallied) - hidden,
    }
