"""Roll-up and tally tables: counts kept up to date as records change, so national dashboards
never scan every stage change, barrier or action. docs/adr/0003-roll-ups-tallies-and-cached-
figures.md explains when they are used and how they are kept true."""

from django.db import models

# The columns a place is kept in, on organisations, the roll-up and the place tallies alike,
# for each way the dashboards compare places.
PLACE_COLUMNS = {"region": "region_id", "icb": "icb_id", "org_type": "org_type"}


def place_key(value):
    """A place read from a roll-up or tally, as a record has it: 0 there is None here."""
    return value or None


class SpreadRollup(models.Model):
    """Stage changes counted per innovation, place and quarter: the tally `tallies.SPREAD`.

    Places are ids (0 for none) rather than foreign keys so that the unique key holds on every
    database; the names are looked up when a page needs them."""

    innovation_id = models.BigIntegerField()
    region_id = models.BigIntegerField(default=0)
    icb_id = models.BigIntegerField(default=0)
    org_type = models.CharField(max_length=32)
    quarter = models.DateField()
    changes = models.IntegerField(default=0, help_text="Every stage change, the first included.")
    advances = models.IntegerField(default=0, help_text="Moves forward along the stages.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["innovation_id", "region_id", "icb_id", "org_type", "quarter"],
                name="spread_rollup_key",
            ),
        ]

    def __str__(self):
        return (
            f"{self.innovation_id}/{self.region_id}/{self.icb_id}/{self.org_type} {self.quarter}"
        )


class DataVersion(models.Model):
    """A counter bumped by whatever may change any figure: bulk loads, rebuilt tallies and
    changes of reference data (organisations, innovations, pathways). Every cached figure is
    keyed by it; the write services bump `FigureVersion`s instead."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"data version {self.version}"


class FigureVersion(models.Model):
    """A counter per scope of data ("all", "innovation:12", "region:3", "icb:40"), bumped in
    the same transaction as a write to records in that scope ("all": any write). A cached
    figure narrowed to an innovation or a place is keyed by that scope's counter alone, so a
    write elsewhere leaves it in place (adoption/dashboards/cache.py)."""

    scope = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.scope} version {self.version}"


# --- tallies: barriers and actions counted per place, for the national dashboards --------------
#
# Each tally is kept true on every change by `adoption.dashboards.tallies` and rebuilt from the
# records after bulk loads and changes of place. Places are ids, 0 for none, so that the unique
# key holds on every database.


class TallyRow(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return " / ".join(
            f"{f.name}={getattr(self, f.attname)}" for f in self._meta.fields if not f.primary_key
        )


class PlaceTally(TallyRow):
    region_id = models.BigIntegerField(default=0)
    icb_id = models.BigIntegerField(default=0)
    org_type = models.CharField(max_length=32)

    class Meta(TallyRow.Meta):
        abstract = True


class BarrierTally(PlaceTally):
    """Barriers per place, category and status: the heatmap, the severity ranking and the
    headline counts."""

    category_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    barriers = models.IntegerField(default=0)
    critical = models.IntegerField(default=0)
    severity_total = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "icb_id", "org_type", "category_id", "status"],
                name="barrier_tally_key",
            )
        ]


class BarrierInnovationTally(PlaceTally):
    """Barriers per place, innovation and category: why spread stalls where it does."""

    innovation_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    barriers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "icb_id", "org_type", "innovation_id", "category_id"],
                name="barrier_innovation_tally_key",
            )
        ]


class BarrierQuarterTally(PlaceTally):
    """Barriers opened and resolved per place, category and quarter: the quarterly trend."""

    category_id = models.BigIntegerField()
    event = models.CharField(max_length=10)  # "opened" or "resolved"
    quarter = models.DateField()
    barriers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "icb_id", "org_type", "category_id", "event", "quarter"],
                name="barrier_quarter_tally_key",
            )
        ]


class ResolveDaysCounts(TallyRow):
    """Closed barriers per category and days from identified to closed, with how many of them
    were accepted rather than resolved."""

    category_id = models.BigIntegerField()
    days = models.IntegerField()
    barriers = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)

    class Meta(TallyRow.Meta):
        abstract = True


class OpenSinceCounts(TallyRow):
    """Open barriers per category and the day they were identified: how long each has been
    open is counted on the day a page asks."""

    category_id = models.BigIntegerField()
    identified_on = models.DateField()
    barriers = models.IntegerField(default=0)

    class Meta(TallyRow.Meta):
        abstract = True


class ActionCounts(TallyRow):
    """Enabler actions per barrier category, enabler type, outcome and, for those that resolved
    their barrier, days from the barrier being identified (-1 for any other)."""

    category_id = models.BigIntegerField()
    enabler_type_id = models.BigIntegerField()
    outcome = models.CharField(max_length=20)
    days = models.IntegerField()
    actions = models.IntegerField(default=0)

    class Meta(TallyRow.Meta):
        abstract = True


class ResolveDaysTally(ResolveDaysCounts):
    """`ResolveDaysCounts` per region: times to resolve without reading every closed
    barrier."""

    region_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "category_id", "days"], name="resolve_days_tally_key"
            )
        ]


class OpenSinceTally(OpenSinceCounts):
    """`OpenSinceCounts` per region: at most one row per region, category and day since the
    first barrier, however many barriers there are."""

    region_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "category_id", "identified_on"],
                name="open_since_tally_key",
            )
        ]


class ActionTally(ActionCounts):
    """`ActionCounts` per region."""

    region_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "category_id", "enabler_type_id", "outcome", "days"],
                name="action_tally_key",
            )
        ]


class NationalTally(TallyRow):
    """A tally kept per place added up over every place (`tallies.national`)."""

    category_id = models.BigIntegerField()

    class Meta(TallyRow.Meta):
        abstract = True


class NationalBarrierQuarterTally(NationalTally):
    event = models.CharField(max_length=10)  # "opened" or "resolved"
    quarter = models.DateField()
    barriers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category_id", "event", "quarter"],
                name="national_barrier_quarter_tally_key",
            )
        ]


class NationalResolveDaysTally(ResolveDaysCounts):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category_id", "days"], name="national_resolve_days_tally_key"
            )
        ]


class NationalOpenSinceTally(OpenSinceCounts):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category_id", "identified_on"], name="national_open_since_tally_key"
            )
        ]


class NationalActionTally(ActionCounts):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category_id", "enabler_type_id", "outcome", "days"],
                name="national_action_tally_key",
            )
        ]
