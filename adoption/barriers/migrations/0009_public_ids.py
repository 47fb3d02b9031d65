"""Barriers and enabler actions get random public ids, shown instead of their sequential keys."""

from django.db import migrations, models

import adoption.barriers.models

TABLES = [
    ("barriers_barrier", "barriers_historicalbarrier"),
    ("barriers_enableraction", "barriers_historicalenableraction"),
]


def fill_public_ids(apps, schema_editor):
    """One random id per existing record, set by the database (millions of rows in seconds);
    each historical row takes its record's id."""
    random_hex = (
        "substr(md5(random()::text || clock_timestamp()::text || id::text), 1, 16)"
        if schema_editor.connection.vendor == "postgresql"
        else "lower(hex(randomblob(8)))"
    )
    with schema_editor.connection.cursor() as cursor:
        for table, history in TABLES:
            cursor.execute(f"UPDATE {table} SET public_id = {random_hex}")
            cursor.execute(
                f"UPDATE {history} SET public_id = "
                f"(SELECT public_id FROM {table} WHERE {table}.id = {history}.id)"
            )
            cursor.execute(
                f"UPDATE {history} SET public_id = {random_hex} WHERE public_id IS NULL"
            )


def public_id(**kwargs):
    return models.CharField(max_length=16, verbose_name="public id", editable=False, **kwargs)


class Migration(migrations.Migration):
    dependencies = [("barriers", "0008_action_copies_required")]

    operations = [
        *[
            migrations.AddField(model_name=model, name="public_id", field=public_id(null=True))
            for model in (
                "barrier",
                "enableraction",
                "historicalbarrier",
                "historicalenableraction",
            )
        ],
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop, elidable=True),
        *[
            migrations.AlterField(
                model_name=model,
                name="public_id",
                field=public_id(default=adoption.barriers.models.new_public_id, unique=True),
            )
            for model in ("barrier", "enableraction")
        ],
        *[
            migrations.AlterField(
                model_name=model,
                name="public_id",
                field=public_id(default=adoption.barriers.models.new_public_id, db_index=True),
            )
            for model in ("historicalbarrier", "historicalenableraction")
        ],
        migrations.RemoveIndex(model_name="barrier", name="barrier_identified_idx"),
        migrations.AddIndex(
            model_name="barrier",
            index=models.Index(
                fields=["identified_on", "public_id"], name="barrier_identified_idx"
            ),
        ),
        migrations.RemoveIndex(model_name="enableraction", name="action_started_idx"),
        migrations.AddIndex(
            model_name="enableraction",
            index=models.Index(fields=["started_on", "public_id"], name="action_started_idx"),
        ),
        migrations.AlterModelOptions(
            name="barrier",
            options={"ordering": ["-identified_on", "-public_id"]},
        ),
    ]
