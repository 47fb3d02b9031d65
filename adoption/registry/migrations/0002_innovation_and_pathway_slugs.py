"""Innovations and pathways get a stable slug, made from each one's name: added without the
unique index, filled, then made unique."""

from django.db import migrations, models
from django.utils.text import slugify

HELP = "Its stable short name in links and the API; made from the name if left empty."


def fill_slugs(apps, schema_editor):
    for model_name in ("Innovation", "Pathway"):
        model = apps.get_model("registry", model_name)
        taken = set()
        for record in model.objects.order_by("pk").only("pk", "name"):
            base = slugify(record.name)[:76].strip("-") or model_name.lower()
            slug, number = base, 1
            while slug in taken:
                number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            model.objects.filter(pk=record.pk).update(slug=slug)


def slug_field(**options):
    return models.SlugField(blank=True, help_text=HELP, max_length=80, **options)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField("innovation", "slug", slug_field(db_index=False, default="")),
        migrations.AddField("pathway", "slug", slug_field(db_index=False, default="")),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop, elidable=True),
        migrations.AlterField("innovation", "slug", slug_field(unique=True)),
        migrations.AlterField("pathway", "slug", slug_field(unique=True)),
    ]
