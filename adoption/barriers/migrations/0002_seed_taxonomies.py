from django.db import migrations

from adoption.barriers.taxonomy import BARRIER_CATEGORIES, ENABLER_TYPES


def seed_taxonomies(apps, schema_editor):
    BarrierCategory = apps.get_model("barriers", "BarrierCategory")
    EnablerType = apps.get_model("barriers", "EnablerType")
    for order, (slug, name, description, domain) in enumerate(BARRIER_CATEGORIES, start=1):
        BarrierCategory.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "nasss_domain": domain,
                "sort_order": order,
            },
        )
    for order, (slug, name, description) in enumerate(ENABLER_TYPES, start=1):
        EnablerType.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
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
