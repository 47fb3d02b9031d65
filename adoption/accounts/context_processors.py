from django.utils.functional import SimpleLazyObject

from adoption.accounts.policy import access_for


def access(request):
    """The user's access, for the header's menu and every page: read when a template asks."""
    return {"access": SimpleLazyObject(lambda: access_for(request))}
