from django.db import migrations

from adoption.dashboards.rollups import fill_spread_rollup


def fill(apps, schema_editor):
    """Count the stage changes already recorded, so an existing deployment's roll-up starts
    true."""
    fill_spread_rollup(
        apps.get_model("dashboards", "SpreadRollup"),
        apps.get_model("barriers", "StageChange").objects,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_data_version"),
        ("barriers", "0002_seed_taxonomies"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
