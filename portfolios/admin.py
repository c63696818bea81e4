from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portfolios.models import (
    Account,
    Asset,
    LotPick,
    OwnerPrice,
    Portfolio,
    PortfolioSnapshot,
    PriceQuote,
    Transaction,
    User,
    ValuePoint,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Tax", {"fields": ("timezone",)}))  # type: ignore[misc]
    list_display = ("username", "email", "timezone", "is_staff")


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "wash_sale_crypto", "created_at")
    list_filter = ("wash_sale_crypto",)
    search_fields = ("name", "owner__username")
    inlines = [AccountInline]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "portfolio", "custodian", "kind", "tax_treatment", "basis_method")
    list_filter = ("tax_treatment", "kind", "basis_method")
    search_fields = ("name", "custodian", "portfolio__name")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "asset_class", "price_source", "price_source_id", "owner")
    list_filter = ("asset_class", "price_source")
    raw_id_fields = ("owner",)
    search_fields = ("symbol", "name", "price_source_id")


@admin.register(OwnerPrice)
class OwnerPriceAdmin(admin.ModelAdmin):
    list_display = ("asset", "owner", "date", "price")
    raw_id_fields = ("asset", "owner")


class LotPickInline(admin.TabularInline):
    model = LotPick
    fk_name = "transaction"
    raw_id_fields = ("origin",)
    extra = 0


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = (
        "timestamp",
        "portfolio",
        "account",
        "type",
        "asset",
        "quantity",
        "unit_price",
        "fee",
        "external_id",
    )
    list_filter = ("type", "account__tax_treatment", "asset__asset_class", "portfolio")
    search_fields = ("external_id", "notes", "asset__symbol", "account__name")
    date_hierarchy = "timestamp"
    raw_id_fields = ("portfolio", "account", "to_account")
    list_select_related = ("portfolio", "account", "asset")
    inlines = [LotPickInline]


@admin.register(PriceQuote)
class PriceQuoteAdmin(admin.ModelAdmin):
    list_display = ("asset", "at", "price", "source", "fetched_at")
    list_filter = ("source", "asset")
    date_hierarchy = "at"


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "portfolio",
        "as_of",
        "total_value",
        "unrealized_gain",
        "has_missing_prices",
        "has_stale_prices",
    )
    list_filter = ("has_missing_prices", "has_stale_prices")


@admin.register(ValuePoint)
class ValuePointAdmin(admin.ModelAdmin):
    list_display = ("portfolio", "date", "value", "cost_basis", "net_deposits")
