"""An asset is a (symbol, class), shared when the catalogue lists it and private to its creator otherwise;
assets know their price feed; owners may enter prices; an import keeps the classes chosen on its preview."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import portfolios.fields


def fill_from_catalogue(apps, schema_editor):
    """Existing assets get what the catalogue knows of their (symbol, class): the feed, its id and the
    name. An asset the catalogue does not list, used in one owner's ledger only, becomes that owner's;
    its class is left as it was (changing it would change lots nobody has recomputed)."""
    from portfolios import catalogue

    Asset = apps.get_model("portfolios", "Asset")
    Transaction = apps.get_model("portfolios", "Transaction")
    owners: dict[int, set[int]] = {}
    for column in ("asset_id", "counter_asset_id"):
        rows = (
            Transaction.objects.exclude(**{column: None})
            .order_by()
            .values_list(column, "portfolio__owner_id")
            .distinct()
        )
        for asset_id, owner_id in rows:
            owners.setdefault(asset_id, set()).add(owner_id)
    for asset in Asset.objects.filter(owner__isnull=True):
        entry = catalogue.get(asset.symbol, asset.asset_class)
        changed = []
        if entry is not None:
            asset.price_source = entry.price_source
            changed.append("price_source")
            if not asset.price_source_id:
                asset.price_source_id = entry.price_source_id
                changed.append("price_source_id")
            if not asset.name or asset.name == asset.symbol:
                asset.name = entry.name
                changed.append("name")
        elif len(owners.get(asset.pk, ())) == 1:
            asset.owner_id = next(iter(owners[asset.pk]))
            changed.append("owner")
        if changed:
            asset.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0004_basis_method_change"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="asset",
            name="symbol",
            field=models.CharField(
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "\\A[A-Za-z0-9._-]{1,20}\\Z",
                        "A symbol is 1 to 20 letters, digits, '.', '-' or '_'.",
                        code="invalid_symbol",
                    )
                ],
            ),
        ),
        migrations.AlterModelOptions(
            name="asset",
            options={"ordering": ["symbol", "asset_class", "id"]},
        ),
        migrations.AddField(
            model_name="asset",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for a catalogue asset (shared); else the only user who sees it.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="private_assets",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="asset",
            name="price_source",
            field=models.CharField(
                blank=True,
                choices=[("coingecko", "CoinGecko"), ("yahoo", "Yahoo Finance")],
                help_text="The feed that quotes it; empty: the usual one for its class.",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="asset",
            name="price_source_id",
            field=models.CharField(
                blank=True,
                help_text="Identifier at the price source, e.g. CoinGecko's 'bitcoin' or the ticker 'VTI'.",
                max_length=100,
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("owner__isnull", True)),
                fields=("symbol", "asset_class"),
                name="asset_shared_symbol_class_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("owner__isnull", False)),
                fields=("owner", "symbol", "asset_class"),
                name="asset_private_symbol_class_unique",
            ),
        ),
        migrations.RunPython(fill_from_catalogue, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pricequote",
            name="source",
            field=models.CharField(
                choices=[
                    ("coingecko", "CoinGecko"),
                    ("coinbase", "Coinbase Exchange"),
                    ("yahoo", "Yahoo Finance"),
                    ("offline", "Bundled offline history (synthetic)"),
                    ("csv", "CSV upload"),
                    ("ledger", "Ledger transaction price"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="OwnerPrice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                (
                    "price",
                    portfolios.fields.ExactDecimalField(
                        decimal_places=18, help_text="USD per unit on that day.", max_digits=40
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entered_prices",
                        to="portfolios.asset",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entered_prices",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["asset", "-date"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner", "asset", "date"), name="ownerprice_owner_asset_date_unique"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="importjob",
            name="asset_classes",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
