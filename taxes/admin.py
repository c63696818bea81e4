from django.contrib import admin

from taxes.models import Disposal, IncomeRecord, LedgerStatus, NonTaxableTransfer, TaxLot, WashSaleRecord


@admin.register(TaxLot)
class TaxLotAdmin(admin.ModelAdmin):
    list_display = (
        "lot_id",
        "portfolio",
        "account",
        "asset",
        "acquired",
        "quantity",
        "basis",
        "long_term_from",
    )
    list_filter = ("asset", "account__tax_treatment", "source")
    search_fields = ("lot_id", "account__name", "asset__symbol")
    date_hierarchy = "acquired"


@admin.register(Disposal)
class DisposalAdmin(admin.ModelAdmin):
    list_display = (
        "disposed",
        "account",
        "asset",
        "lot_id",
        "quantity",
        "proceeds",
        "basis",
        "gain",
        "term",
        "taxable",
    )
    list_filter = ("term", "taxable", "kind", "asset")
    date_hierarchy = "disposed"


@admin.register(IncomeRecord)
class IncomeRecordAdmin(admin.ModelAdmin):
    list_display = ("date", "account", "asset", "kind", "quantity", "value", "taxable")
    list_filter = ("kind", "taxable")
    date_hierarchy = "date"


@admin.register(NonTaxableTransfer)
class NonTaxableTransferAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "account", "asset", "quantity", "basis", "fair_value", "deduction")
    list_filter = ("kind",)


@admin.register(WashSaleRecord)
class WashSaleRecordAdmin(admin.ModelAdmin):
    list_display = (
        "event_timestamp",
        "loss_lot_id",
        "replacement_lot_id",
        "quantity",
        "disallowed",
        "added_to_basis",
    )


@admin.register(LedgerStatus)
class LedgerStatusAdmin(admin.ModelAdmin):
    list_display = ("portfolio", "computed_at", "event_count", "error")
