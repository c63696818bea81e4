# Engine checkpoints move from one per portfolio to one per taxpayer. They are a cache of engine state:
# the old ones are dropped and the next recompute of each owner replays the whole ledger.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="EngineCheckpoint"),
        migrations.CreateModel(
            name="EngineCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("after_timestamp", models.DateTimeField()),
                ("after_id", models.BigIntegerField()),
                ("replace_from_timestamp", models.DateTimeField()),
                ("replace_from_id", models.BigIntegerField()),
                ("state", models.JSONField()),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["owner", "after_timestamp", "after_id"],
                "indexes": [
                    models.Index(fields=["owner", "after_timestamp", "after_id"], name="checkpoint_owner_order")
                ],
            },
        ),
    ]
