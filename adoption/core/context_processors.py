from django.conf import settings


def service(request):
    """What every page's text needs from the settings: the stall threshold."""
    return {"stall_days": settings.STALL_DAYS}
