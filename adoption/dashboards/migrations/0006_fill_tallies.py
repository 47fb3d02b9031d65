from django.db import migrations

from adoption.dashboards.tallies import rebuild_tallies


def fill(apps, schema_editor):
    """Count the barriers and actions already recorded, so an existing deployment's tallies
    start true."""
    rebuild_tallies(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_tallies"),
        ("barriers", "0004_savings_pair_index"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
