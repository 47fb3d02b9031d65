"""Demo followers, so that `send_notifications --dry-run` on a fresh `make run` has something
to say: the lead follows an innovation planted to stall, the national team member follows the
Spread dashboard filtered to a region where one stalls, and the ICB lead follows its region."""

from django.http import QueryDict

from adoption.notifications.models import DashboardPage, Follow
from adoption.registry.models import Innovation, Organisation


def build_follows(*, users, lead_organisation, planted_stalls):
    """Make the demo follows; returns how many were made."""
    stalls = sorted(planted_stalls)
    # Prefer a stall in the lead's own region.
    own_region = lead_organisation.region.ods_code if lead_organisation.region else None
    stalls.sort(key=lambda stall: stall[1] != own_region)
    follows = []
    if lead_organisation.region_id:
        follows.append(Follow(user=users["icb"], organisation=lead_organisation.region))
    if stalls:
        innovation_name, region_code = stalls[0]
        follows.append(
            Follow(user=users["lead"], innovation=Innovation.objects.get(name=innovation_name))
        )
        region = Organisation.objects.get(ods_code=region_code)
        query = QueryDict(mutable=True)
        query["region"] = region.ods_code
        follows.append(
            Follow(user=users["national"], page=DashboardPage.SPREAD, query=query.urlencode())
        )
    Follow.objects.bulk_create(follows)
    return len(follows)
