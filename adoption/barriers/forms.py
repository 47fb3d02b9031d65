"""The forms an innovation lead fills in. Rules about the data live on the models (`clean`,
validators, constraints); these forms add only what depends on who is filling them in."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from adoption.barriers.models import (
    CLOSED_STATUSES,
    MONEY_VALIDATORS,
    STAGE_ORDER,
    Adoption,
    Barrier,
    BarrierCategory,
    BarrierStatus,
    EnablerAction,
    EnablerType,
    Route,
    Stage,
)
from adoption.core.forms import NhsDateField, RadioSelectWithHints, in_our_words
from adoption.registry.models import Innovation, Organisation, Pathway


def adoptable_innovations(org_types):
    """Innovations that organisations of these types can adopt: those naming one of the types
    among their adopters, and those naming none. (Their adopters are a JSON list of type
    codes, matched as quoted text so that every database answers alike.)"""
    adoptable = Q(adopter_types=[])
    for org_type in set(org_types):
        adoptable |= Q(adopter_types__icontains=f'"{org_type}"')
    return Innovation.objects.filter(adoptable)


def check_adoptable(form, innovation, organisation):
    """Refuse, beside the innovation, one that organisations like this one do not adopt."""
    if (
        innovation
        and organisation
        and not adoptable_innovations([organisation.org_type]).filter(pk=innovation.pk).exists()
    ):
        form.add_error(
            "innovation",
            f"{innovation.name} is not adopted by organisations like yours "
            f"({organisation.get_org_type_display().lower()}).",
        )


def innovation_field(*, required_message, **kwargs):
    """An innovation chosen from those the lead's organisations can adopt (set per form)."""
    return forms.ModelChoiceField(
        queryset=Innovation.objects.none(),
        empty_label="Choose an innovation",
        error_messages={
            "required": required_message,
            "invalid_choice": "Choose an innovation from the list.",
        },
        **kwargs,
    )


def led_types(access):
    return access.organisations_led().values_list("org_type", flat=True).distinct()


class OrganisationCodeField(forms.ModelChoiceField):
    """An organisation chosen by its ODS code, typed or picked from a suggestion list."""

    default_error_messages = {
        "invalid_choice": "Enter the ODS code of an organisation that exists, for example RXX."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Organisation.objects.all())
        kwargs.setdefault("to_field_name", "ods_code")
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "nhsuk-input--width-10"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value.strip().upper() if isinstance(value, str) else value)

    def prepare_value(self, value):
        if isinstance(value, Organisation):
            return value.ods_code
        if isinstance(value, int):
            return Organisation.objects.filter(pk=value).values_list("ods_code", flat=True).first()
        return value


class OrganisationCodesField(forms.CharField):
    """Several organisations as comma-separated ODS codes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            codes = [o.ods_code if isinstance(o, Organisation) else str(o) for o in value]
            if all(isinstance(o, Organisation) for o in value):
                return ", ".join(codes)
            return ", ".join(
                Organisation.objects.filter(pk__in=value).values_list("ods_code", flat=True)
            )
        return value

    def clean(self, value):
        value = super().clean(value)
        codes = sorted({code.strip().upper() for code in value.replace(";", ",").split(",")})
        codes = [code for code in codes if code]
        if not codes:
            return []
        found = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise forms.ValidationError(
                "No organisation has the ODS code %(codes)s.",
                params={"codes": ", ".join(missing)},
                code="unknown",
            )
        return [found[code] for code in codes]


NEWER_THAN_SAVED = (
    "This form says it was opened at a version of the record that has never been saved. "
    "Open the page again and make your change from there."
)


def version_field():
    """The version of the record a form was opened at, for the no-lost-updates check."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def check_version(version, saved):
    """A version newer than the one saved was not opened from this service."""
    if version is not None and saved is not None and version > saved:
        raise forms.ValidationError(NEWER_THAN_SAVED, code="unknown_version")
    return version


class VersionedForm(forms.ModelForm):
    """Carries the version of the record the form was opened at, for the no-lost-updates check."""

    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["version"]
        elif not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_version(self):
        return check_version(self.cleaned_data.get("version"), self.instance.version)


class BarrierForm(VersionedForm):
    organisation = OrganisationCodeField(
        label="Your organisation's ODS code",
        help_text="The organisation reporting the barrier.",
    )
    innovation = innovation_field(
        required_message="Choose the innovation the barrier blocks.",
        help_text="Only innovations that organisations like yours adopt are listed.",
    )
    category = forms.ModelChoiceField(
        queryset=BarrierCategory.objects.all(),
        widget=RadioSelectWithHints,
        empty_label=None,
        label="What kind of barrier is it?",
        error_messages={"required": "Choose what kind of barrier it is."},
    )
    identified_on = NhsDateField(label="Date identified", initial=timezone.localdate)
    resolved_on = NhsDateField(
        label="Date resolved",
        required=False,
        help_text="Only when the barrier is resolved or accepted.",
    )
    next_review_on = NhsDateField(
        label="Next review date",
        required=False,
        help_text="Leave empty to set it by severity: critical and high 90 days, moderate "
        "180, low 360.",
    )
    savings_organisation = OrganisationCodeField(
        label="ODS code of the organisation where savings land",
        required=False,
        help_text="For example the PCN or council whose costs fall when you adopt.",
    )
    partners = OrganisationCodesField(
        label="Other organisations involved",
        required=False,
        help_text="ODS codes separated by commas, for example the service you would need to "
        "plan with.",
    )

    class Meta:
        model = Barrier
        fields = [
            "organisation",
            "innovation",
            "category",
            "severity",
            "description",
            "pathway",
            "identified_on",
            "status",
            "resolved_on",
            "partners",
            "savings_organisation",
            "cost_borne_gbp",
            "savings_elsewhere_gbp",
            "complexity",
            "next_review_on",
            "is_confidential",
        ]
        widgets = {
            "severity": forms.RadioSelect,
            "status": forms.RadioSelect,
            "complexity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "cost_borne_gbp": forms.NumberInput(
                attrs={"class": "nhsuk-input--width-10", "step": "1", "min": "0"}
            ),
            "savings_elsewhere_gbp": forms.NumberInput(
                attrs={"class": "nhsuk-input--width-10", "step": "1", "min": "0"}
            ),
        }
        labels = {"description": "Describe the barrier"}
        help_texts = {
            "description": "What is blocking adoption, in a sentence or two. Do not include "
            "patient details.",
            "complexity": "How hard the barrier is to resolve (NASSS): simple, complicated "
            "(many parts, but predictable) or complex (unpredictable).",
        }
        error_messages = {
            "severity": {"required": "Choose how severe the barrier is."},
            "description": {"required": "Describe the barrier."},
            "cost_borne_gbp": {"invalid": "Enter the cost in whole pounds, for example 25000."},
            "savings_elsewhere_gbp": {
                "invalid": "Enter the savings in whole pounds, for example 25000."
            },
        }

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        in_our_words(self, {"description": "Description", "category": "Kind of barrier"})
        too_much = MONEY_VALIDATORS[-1].message
        for name in ("cost_borne_gbp", "savings_elsewhere_gbp"):
            self.fields[name].error_messages |= {
                "max_digits": too_much,
                "max_whole_digits": too_much,
                "max_decimal_places": "Enter the amount in pounds and pence, for example "
                "25000 or 25000.50.",
            }
        self.fields["category"].widget.hints = {
            str(c.pk): c.description for c in BarrierCategory.objects.all()
        }
        self.fields["pathway"].queryset = Pathway.objects.all()
        self.fields["pathway"].empty_label = "None or not sure"
        self.fields["severity"].choices = [
            (value, label) for value, label in self.fields["severity"].choices if value != ""
        ]
        self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] != ""]
        self.fields["complexity"].choices = [
            ("", "Not sure"),
            *[c for c in self.fields["complexity"].choices if c[0] != ""],
        ]
        self.fields["innovation"].queryset = adoptable_innovations(led_types(access))
        led = access.organisations_led()
        if not access.is_superuser and led.count() == 1 and not self.instance.pk:
            self.initial.setdefault("organisation", led.get())

    def clean_organisation(self):
        organisation = self.cleaned_data["organisation"]
        if not self.access.may_change_for(organisation.pk):
            raise forms.ValidationError(
                "You can only log barriers for an organisation where you are the innovation lead."
            )
        return organisation

    def clean(self):
        cleaned = super().clean()
        check_adoptable(self, cleaned.get("innovation"), cleaned.get("organisation"))
        return cleaned


class BarrierStatusForm(VersionedForm):
    resolved_on = NhsDateField(
        label="Date resolved or accepted",
        required=False,
        help_text="Needed when the barrier is resolved or accepted. Leave empty for today.",
    )

    class Meta:
        model = Barrier
        fields = ["status", "resolved_on"]
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_our_words(self)
        self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] != ""]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status in CLOSED_STATUSES and not cleaned.get("resolved_on"):
            cleaned["resolved_on"] = timezone.localdate()
        elif status in (BarrierStatus.OPEN, BarrierStatus.BEING_ADDRESSED):
            cleaned["resolved_on"] = None
        return cleaned


class EnablerActionForm(VersionedForm):
    enabler_type = forms.ModelChoiceField(
        queryset=EnablerType.objects.all(),
        widget=RadioSelectWithHints,
        empty_label=None,
        label="What was done?",
        error_messages={"required": "Choose what kind of enabler was used."},
    )
    started_on = NhsDateField(label="Date started", initial=timezone.localdate)
    completed_on = NhsDateField(
        label="Date completed",
        required=False,
        help_text="Needed once the action has an outcome; leave empty while it is in progress.",
    )
    completed_on.says_optional = False

    class Meta:
        model = EnablerAction
        fields = ["enabler_type", "owner", "started_on", "completed_on", "outcome", "notes"]
        widgets = {"outcome": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"owner": {"required": "Enter who is responsible for the action."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_our_words(self)
        self.fields["enabler_type"].widget.hints = {
            str(e.pk): e.description for e in EnablerType.objects.all()
        }
        self.fields["outcome"].choices = [c for c in self.fields["outcome"].choices if c[0] != ""]


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        choices=Stage.choices,
        widget=forms.RadioSelect,
        label="New stage",
        error_messages={"required": "Choose the new stage."},
    )
    changed_on = NhsDateField(
        label="Date of the change", required=False, help_text="Leave empty for today."
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, for example “business case approved by the board”.",
    )
    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_our_words(self)

    def clean_version(self):
        return check_version(self.cleaned_data.get("version"), self.initial.get("version"))


class AdoptionStartForm(forms.Form):
    """Start recording an innovation an organisation has not recorded yet ("we are exploring
    this"). Offered for one organisation the lead leads; only innovations organisations like it
    adopt, and that it has not recorded, are listed."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "You can only record adoptions for an organisation where you are "
            "the innovation lead."
        },
    )
    innovation = innovation_field(
        required_message="Choose the innovation you are starting to record.", label="Innovation"
    )
    stage = forms.ChoiceField(
        choices=[(stage.value, stage.label) for stage in STAGE_ORDER],
        initial=Stage.EXPLORING,
        label="Stage",
        error_messages={"invalid_choice": "Choose a stage from the list."},
    )
    route = forms.ChoiceField(
        choices=Route.choices,
        initial=Route.LOCAL,
        widget=forms.RadioSelect,
        label="How did it arrive?",
        error_messages={"required": "Choose how the innovation arrived."},
    )

    def __init__(self, *args, access, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        in_our_words(self)
        self.fields["organisation"].queryset = access.organisations_led()
        if organisation is None:
            self.fields["innovation"].queryset = adoptable_innovations(led_types(access))
        else:
            self.initial["organisation"] = organisation.pk
            self.fields["innovation"].queryset = adoptable_innovations([organisation.org_type])
            self.offer_for(organisation)

    def offer_for(self, organisation):
        """List only what this organisation can start: innovations organisations like it adopt
        that it has not recorded yet. Ids carry its code, as a page may hold one form for each
        organisation the lead leads."""
        innovation = self.fields["innovation"]
        self.auto_id = f"id_{organisation.ods_code.lower()}_%s"
        innovation.widget.choices = [
            ("", innovation.empty_label),
            *adoptable_innovations([organisation.org_type])
            .exclude(adoptions__organisation=organisation)
            .values_list("pk", "name"),
        ]

    def clean(self):
        cleaned = super().clean()
        innovation, organisation = cleaned.get("innovation"), cleaned.get("organisation")
        check_adoptable(self, innovation, organisation)
        if (
            innovation
            and organisation
            and "innovation" not in self.errors
            and Adoption.objects.filter(innovation=innovation, organisation=organisation).exists()
        ):
            self.add_error("innovation", already_recorded(innovation, organisation))
        return cleaned


def already_recorded(innovation, organisation):
    return (
        f"{organisation.name} has already recorded {innovation.name}: change its stage on its "
        "page."
    )
