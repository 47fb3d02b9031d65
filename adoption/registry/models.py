"""Reference data: the organisations of the NHS, the innovations spreading between them and
the pathways of care those innovations change."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_slug
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

# ODS codes are upper-case letters and digits, from three characters (QOP) to the six of a GP
# practice or PCN (A81001, U12345); the ICBs opened in 2026 have five (S1Y5D).
ODS_CODE_PATTERN = r"^[A-Z0-9]{3,6}$"
ods_code_validator = RegexValidator(
    ODS_CODE_PATTERN,
    "Enter an ODS code: 3 to 6 capital letters and digits, for example RXX or S1Y5D.",
)


class OrganisationType(models.TextChoices):
    REGION = "region", "NHS England region"
    ICB = "icb", "Integrated care board"
    ACUTE_TRUST = "acute_trust", "Acute trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
    COMMUNITY_TRUST = "community_trust", "Community trust"
    AMBULANCE_TRUST = "ambulance_trust", "Ambulance trust"
    PCN = "pcn", "Primary care network"
    GP_PRACTICE = "gp_practice", "GP practice"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    NATIONAL_BODY = "national_body", "National body"
    HEALTH_INNOVATION_NETWORK = "health_innovation_network", "Health Innovation Network"
    SUPPLIER = "supplier", "Supplier"


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def regions(self):
        return self.filter(org_type=OrganisationType.REGION)

    def icbs(self):
        return self.filter(org_type=OrganisationType.ICB)

    def in_region(self, region):
        return self.filter(region=region)

    def in_icb(self, icb):
        """Organisations whose records roll up to this ICB, including the ICB itself."""
        return self.filter(icb=icb)


class Organisation(models.Model):
    ods_code = models.CharField(
        "ODS code", max_length=6, unique=True, validators=[ods_code_validator]
    )
    name = models.CharField(max_length=200)
    org_type = models.CharField("type", max_length=32, choices=OrganisationType.choices)
    region = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations_in_region",
        limit_choices_to={"org_type": OrganisationType.REGION},
        help_text="The NHS England region. Blank for national bodies and suppliers.",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The organisation this one sits under as recorded, e.g. a trust's ICB.",
    )
    icb = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="rolled_up_organisations",
        help_text=(
            "The open ICB this organisation's records roll up to, following closed ICBs to "
            "their successors. Maintained by the roll-up service; never edited by hand."
        ),
    )
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        help_text="Organisations that took over this one's work when it closed.",
    )
    rolls_up_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rolled_up_from",
        help_text=(
            "For a closed organisation with several successors: the one its history counts "
            "under on dashboards."
        ),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["org_type", "region"], name="org_type_region_idx"),
            models.Index(fields=["icb"], name="org_icb_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ods_code__regex=ODS_CODE_PATTERN), name="org_ods_code_format"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="org_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(rolls_up_to=models.F("id")), name="org_not_own_successor"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def get_absolute_url(self):
        return reverse("admin:registry_organisation_change", args=[self.pk])

    @property
    def is_closed(self):
        return self.closed_on is not None


class InnovationCategory(models.TextChoices):
    MEDTECH = "medtech", "Medtech"
    DIGITAL = "digital", "Digital"
    MEDICINE = "medicine", "Medicine"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    PATHWAY = "pathway", "Pathway or service model"
    WORKFORCE = "workforce", "Workforce model"


SLUG_MAX_LENGTH = 80


class NamedBySlug(models.Model):
    """A record the API and its filters name by a stable slug: made from the name when the
    record is first saved, and kept when the name changes, so links and scripts keep working."""

    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text="Its stable short name in links and the API; made from the name if left empty.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.free_slug(self.name)
        super().save(*args, **kwargs)

    @classmethod
    def find(cls, value, queryset=None):
        """The record of `queryset` with this slug or, as version 1 of the API and older links
        named it, this numeric id; None if there is none."""
        queryset = cls.objects.all() if queryset is None else queryset
        value = str(value)
        if not validate_slug.regex.fullmatch(value):  # never a NUL or a space to the database
            return None
        found = queryset.filter(slug=value).first()
        if found is None and value.isascii() and value.isdigit() and len(value) <= 18:
            found = queryset.filter(pk=int(value)).first()
        return found

    @classmethod
    def free_slug(cls, name):
        """The slug of `name`, with -2, -3 … added if another record already has it."""
        base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or cls._meta.model_name
        taken = set(cls.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        return slug


class Pathway(NamedBySlug):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PathwayStep(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    org_type = models.CharField("delivered by", max_length=32, choices=OrganisationType.choices)

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "position"], name="pathway_step_position_unique"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


class Innovation(NamedBySlug):
    name = models.CharField(max_length=200, unique=True)
    category = models.CharField(max_length=20, choices=InnovationCategory.choices)
    description = models.TextField(blank=True)
    evidence_reference = models.CharField(
        "evidence or NICE reference",
        max_length=200,
        blank=True,
        help_text="For example a NICE guidance number such as MTG58.",
    )
    national_programme = models.CharField(max_length=200, blank=True)
    pathways = models.ManyToManyField(Pathway, blank=True, related_name="innovations")
    adopter_types = models.JSONField(
        default=list,
        blank=True,
        help_text="The organisation types that adopt this innovation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["category"], name="innovation_category_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = sorted(set(self.adopter_types or []) - set(OrganisationType.values))
        if unknown:
            raise ValidationError(
                {"adopter_types": f"Unknown organisation types: {', '.join(map(str, unknown))}."}
            )
