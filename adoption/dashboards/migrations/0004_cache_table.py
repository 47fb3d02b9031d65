from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The shared cache for dashboard figures (settings.CACHES)."""
    call_command(
        "createcachetable",
        "spreadwatch_cache",
        database=schema_editor.connection.alias,
        verbosity=0,
    )


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0003_fill_spread_rollup")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
