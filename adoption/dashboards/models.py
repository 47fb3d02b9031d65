"""Roll-up tables: counts kept up to date as records change, so national dashboards never scan
every stage change. docs/adr/0003-roll-ups.md explains when they are used and how they are
kept true."""

from django.db import models


class SpreadRollup(models.Model):
    """Stage changes counted per innovation, place and quarter.

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
    """A counter bumped in the same transaction as any change to the records the dashboards
    count. Cached dashboard figures are keyed by it, so a change is never hidden by a cache."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"data version {self.version}"
