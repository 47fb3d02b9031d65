from django.db import migrations


def copy_from_barriers(apps, schema_editor):
    """Give every action its barrier's innovation and organisation, in one statement."""
    action = apps.get_model("barriers", "EnablerAction")._meta.db_table
    barrier = apps.get_model("barriers", "Barrier")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {action} a SET innovation_id = b.innovation_id, "
                f"organisation_id = b.organisation_id FROM {barrier} b WHERE b.id = a.barrier_id"
            )
        else:
            cursor.execute(
                f"UPDATE {action} SET "
                f"innovation_id = (SELECT innovation_id FROM {barrier} b "
                f"WHERE b.id = {action}.barrier_id), "
                f"organisation_id = (SELECT organisation_id FROM {barrier} b "
                f"WHERE b.id = {action}.barrier_id)"
            )


class Migration(migrations.Migration):
    dependencies = [("barriers", "0006_action_innovation_and_organisation")]

    operations = [
        migrations.RunPython(copy_from_barriers, migrations.RunPython.noop),
    ]
