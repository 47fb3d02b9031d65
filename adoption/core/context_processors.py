from django.conf import settings
from django.utils.functional import SimpleLazyObject

from adoption.accounts.policy import access_for


def service(request):
    """What every page's header and text need: the user's access and the stall threshold."""
    return {
        "access": SimpleLazyObject(lambda: access_for(request)),
        "stall_days": settings.STALL_DAYS,
    }
