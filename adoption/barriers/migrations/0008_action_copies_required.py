import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("barriers", "0007_action_copies_filled")]

    operations = [
        migrations.AlterField(
            model_name="enableraction",
            name="innovation",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.innovation",
            ),
        ),
        migrations.AlterField(
            model_name="enableraction",
            name="organisation",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.organisation",
            ),
        ),
    ]
