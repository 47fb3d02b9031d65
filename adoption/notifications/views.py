"""Notification pages: what a person follows (add, remove, emails on or off) and the
unsubscribe link from every email, which works without signing in."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from adoption.accounts.policy import access_for
from adoption.notifications import services
from adoption.notifications.forms import FollowForm
from adoption.notifications.models import Follow, OptOut

BAD_INPUT = 400


@require_http_methods(["GET", "POST"])
def manage(request):
    """The follows of the signed-in person, a form to add one, and emails on or off. Each
    dashboard's "Follow" button posts here."""
    access = access_for(request)
    posted = request.POST if request.method == "POST" else None
    form = FollowForm(posted, user=request.user, access=access)
    if posted is not None and form.is_valid():
        follow = form.save()
        messages.success(request, f"You now follow {follow.describe()}.")
        return redirect("notifications")
    follows = list(
        Follow.objects.filter(user=request.user).select_related("innovation", "organisation")
    )
    context = {
        "form": form,
        "follows": follows,
        "opted_out": OptOut.objects.filter(user=request.user).exists(),
        "access": access,
    }
    return render(
        request,
        "notifications/manage.html",
        context,
        status=BAD_INPUT if form.is_bound else 200,
    )


@require_POST
def remove(request, pk):
    follow = get_object_or_404(Follow, pk=pk, user=request.user)
    described = follow.describe()
    follow.delete()
    messages.success(request, f"You no longer follow {described}.")
    return redirect("notifications")


@require_POST
def emails(request):
    """Turn every email off, or back on."""
    if request.POST.get("emails") == "off":
        OptOut.objects.get_or_create(user=request.user)
        messages.success(request, "Spreadwatch will send you no email.")
    elif request.POST.get("emails") == "on":
        OptOut.objects.filter(user=request.user).delete()
        messages.success(request, "Spreadwatch will email you again.")
    return redirect("notifications")


@login_not_required
@csrf_exempt  # the signed token is the proof; mail clients post one-click unsubscribes
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """From an email's link, signed in or not: GET asks to confirm (mail scanners follow
    links), POST unsubscribes from everything or, with `follow`, stops that one follow."""
    try:
        user_id, follow_id = services.read_unsubscribe_token(token)
        user = get_user_model().objects.get(pk=user_id)
    except (signing.BadSignature, get_user_model().DoesNotExist):
        return render(request, "notifications/unsubscribe_invalid.html", status=BAD_INPUT)
    follow = Follow.objects.filter(pk=follow_id, user=user).first() if follow_id else None
    done = None
    if request.method == "POST":
        if request.POST.get("what") == "follow":
            # Stopping one follow never unsubscribes from everything, even when the follow has
            # gone meanwhile (a second click, or removed on the follow page).
            done = "You no longer follow this: other emails still come."
            if follow is not None:
                done = f"You no longer follow {follow.describe()}."
                follow.delete()
            follow = None
        else:  # the page's "unsubscribe from everything", or a mail client's one-click POST
            OptOut.objects.get_or_create(user=user)
            done = "You are unsubscribed: Spreadwatch will send you no more email."
    context = {
        "follow": follow,
        "done": done,
        "email": user.email,
        "followed_gone": bool(follow_id and follow is None and done is None),
    }
    return render(request, "notifications/unsubscribe.html", context)
