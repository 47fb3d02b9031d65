"""The two forms of an escalation: a lead escalating a barrier, and a level taking a step.
The rules (which steps, what each needs) are the service's; these forms only offer the choices
and carry the version the person saw."""

from django import forms

from adoption.core.forms import in_our_words
from adoption.escalations.models import ASK_MAX_LENGTH, NOTE_MAX_LENGTH, Level, Lever, State


class EscalateForm(forms.Form):
    level = forms.ChoiceField(
        label="Who should take this up?",
        choices=Level.choices,
        widget=forms.RadioSelect,
        help_text="Your ICB for what the local system can change (pooled budgets, risk "
        "shares); the national team for tariffs, national funding and rules.",
    )
    lever = forms.ChoiceField(
        label="Which lever would remove the barrier?",
        choices=Lever.choices,
        widget=forms.RadioSelect,
    )
    ask = forms.CharField(
        label="What are you asking for?",
        help_text="One sentence, for example: “Share the savings in community beds with us "
        "for two years.”",
        max_length=ASK_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_our_words(
            self, {"level": "who to escalate to", "lever": "the lever", "ask": "What is asked"}
        )
        self.fields["level"].error_messages["required"] = "Choose who to escalate to."
        self.fields["lever"].error_messages["required"] = (
            "Choose the lever that would remove the barrier."
        )
        self.fields["ask"].error_messages["required"] = (
            "Enter what you are asking for, in a sentence."
        )


class StepForm(forms.Form):
    to_state = forms.ChoiceField(label="What happens next?", widget=forms.RadioSelect)
    note = forms.CharField(
        label="Reason or action agreed",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Needed when declining (the reason) and when agreeing an action (the action).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lever_needed = forms.ChoiceField(
        label="Lever that would resolve it",
        required=False,
        choices=[("", "Only when not resolvable locally")] + Lever.choices,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, escalation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", escalation.version)
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [
            (state.value, state.label) for state in map(State, escalation.next_steps)
        ]
        in_our_words(self, {"to_state": "what happens next", "note": "The note"})
        self.fields["version"].error_messages["required"] = (
            "Reload the page: the form was missing the version of the escalation you saw."
        )
