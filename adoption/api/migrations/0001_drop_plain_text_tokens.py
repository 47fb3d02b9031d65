"""API tokens moved from DRF's authtoken (keys stored in plain text, never expiring) to
django-rest-knox (hashed, expiring). The old table is dropped so no plain-text key survives;
their holders create new tokens on their account page."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
