"""On PostgreSQL 14 and later, compress the figure cache's values with LZ4 rather than the
default pglz: a cold page stores hundreds of kilobytes of figures, and pglz spends more time
compressing them than the database spends counting. A server built without LZ4 keeps pglz."""

from django.db import DatabaseError, migrations, transaction

TABLE = "spreadwatch_cache"


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN value SET COMPRESSION lz4")
    except DatabaseError:
        pass


def use_default(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql" and connection.pg_version >= 140000:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN value SET COMPRESSION default")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0011_national_tallies")]

    operations = [migrations.RunPython(use_lz4, use_default)]
