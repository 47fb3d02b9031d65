from django.db import migrations

from adoption.barriers.taxonomy import BARRIER_CATEGORIES, ENABLER_TYPES, install


def seed_taxonomies(apps, schema_editor):
    install(
        apps.get_model("barriers", "BarrierCategory"), apps.get_model("barriers", "EnablerType")
    )


def remove_taxonomies(apps, schema_editor):
    apps.get_model("barriers", "BarrierCategory").objects.filter(
        slug__in=[row[0] for row in BARRIER_CATEGORIES]
    ).delete()
    apps.get_model("barriers", "EnablerType").objects.filter(
        slug__in=[row[0] for row in ENABLER_TYPES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("barriers", "0001_initial")]

    operations = [migrations.RunPython(seed_taxonomies, remove_taxonomies)]
