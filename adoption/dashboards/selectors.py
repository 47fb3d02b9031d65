"""Reads for the home page: the service at a glance."""

from django.db.models import Count, Q

from adoption.barriers.models import ADOPTER_STAGES, Adoption, Barrier
from adoption.registry.models import Innovation, Organisation


def service_summary(access):
    """Headline counts for the home page, in four queries whatever the data size."""
    adoptions = Adoption.objects.aggregate(
        total=Count("id"), adopters=Count("id", filter=Q(stage__in=ADOPTER_STAGES))
    )
    return {
        "organisations": Organisation.objects.active().count(),
        "innovations": Innovation.objects.count(),
        "adoptions": adoptions["total"],
        "adopters": adoptions["adopters"],
        "open_barriers": access.visible_barriers(Barrier.objects.open()).count(),
    }
