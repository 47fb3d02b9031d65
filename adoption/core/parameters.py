"""Query parameters a download or an API endpoint does not take are refused, not ignored.

A misspelt filter (`regionn=Y62`) that is silently ignored returns everything: a wrong answer
that looks right to an analyst's script. So every API endpoint and every CSV download answers
an unknown parameter with a 400 that names it and lists the ones it takes. The pages a person
reads keep ignoring what they do not know: a browser's stray parameter harms nobody there, and
the filter bar shows what is applied.
"""

from django.http import HttpResponseBadRequest
from rest_framework.exceptions import ValidationError


def unknown(query, accepted):
    """The names in `query` (a QueryDict) that are not `accepted`, sorted."""
    return sorted(set(query) - set(accepted))


def explanation(names, accepted):
    listed = ", ".join(f'"{name}"' for name in names)
    takes = ", ".join(sorted(set(accepted))) or "no query parameters"
    noun = "parameter" if len(names) == 1 else "parameters"
    return f"Unknown query {noun} {listed}. This takes: {takes}."


def refused_download(query, accepted):
    """A plain-text 400 for a CSV download given a parameter it does not take, or None."""
    names = unknown(query, accepted)
    if not names:
        return None
    return HttpResponseBadRequest(explanation(names, accepted), content_type="text/plain")


def unclear(query):
    """{name: message} for each parameter of `query` given more than once or with no value:
    a script that sends `region=` or `region=Y56&region=Y62` has lost track of what it asks."""
    problems = {}
    for name, values in query.lists():
        if len(values) > 1:
            problems[name] = [f"Give {name} once: it was given {len(values)} times."]
        elif values[0] == "":
            problems[name] = [f"Give {name} a value, or leave it out."]
    return problems


class StrictParameters:
    """For an API view: a 400 naming each query parameter it does not take, or that it is
    given empty or more than once (once the caller is authenticated and permitted, so a
    stranger learns nothing from it). A method the view does not answer gets its 405 first."""

    def accepted_parameters(self):
        return ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return
        accepted = self.accepted_parameters()
        names = unknown(request.query_params, accepted)
        if names:
            raise ValidationError(
                {
                    "detail": explanation(names, accepted),
                    "unknown_parameters": names,
                    "accepted_parameters": sorted(set(accepted)),
                }
            )
        problems = unclear(request.query_params)
        if problems:
            raise ValidationError(problems)
