"""The filter bars' fast select draws what Django's own select draws: the same options, the
same one selected, the same attributes."""

import re

import pytest
from django import forms

from adoption.core.forms import FastSelect
from tests.factories import InnovationFactory

pytestmark = pytest.mark.django_db


def options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def attributes(html):
    return dict(re.findall(r'(\w[\w-]*)="([^"]*)"', re.match(r"<select[^>]*>", html).group(0)))


@pytest.mark.parametrize("value", [None, "", "b & c", "missing"])
def test_fast_select_draws_a_choice_field_as_django_does(value):
    choices = [("", "All"), ("a", "Alpha"), ("b & c", "Beta <and> Gamma")]
    attrs = {"id": "id_thing", "class": "nhsuk-select"}

    django = forms.Select(choices=choices).render("thing", value, attrs)
    fast = FastSelect(choices=choices).render("thing", value, attrs)

    assert options(fast) == options(django)
    assert attributes(fast) == attributes(django)
    assert fast.count(" selected") == (value != "missing")  # none, or "" for None


def test_fast_select_draws_records_by_their_slug_with_the_chosen_one_selected():
    first, second = InnovationFactory(name="Alpha"), InnovationFactory(name="Beta")
    field = forms.ModelChoiceField(
        queryset=type(first).objects.order_by("name"), to_field_name="slug"
    )

    django = forms.Select(choices=field.choices).render("innovation", second.slug)
    fast = FastSelect(choices=field.choices).render("innovation", second.slug)

    assert options(fast) == options(django)
    assert ("beta", " selected", "Beta") in options(fast) and first.slug in fast
