from django.contrib import admin

from rebalancing.models import Policy, ProposedTrade, RebalanceProposal, Target, TargetVersion, TargetWeight


class TargetWeightInline(admin.TabularInline):
    model = TargetWeight
    extra = 0


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("name", "portfolio", "version", "model", "band_absolute", "band_relative")
    inlines = [TargetWeightInline]


@admin.register(TargetVersion)
class TargetVersionAdmin(admin.ModelAdmin):
    list_display = ("target", "number", "model", "created_at")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("portfolio", "band_mode", "calendar", "trade_to", "buy_only")


class ProposedTradeInline(admin.TabularInline):
    model = ProposedTrade
    extra = 0


@admin.register(RebalanceProposal)
class RebalanceProposalAdmin(admin.ModelAdmin):
    list_display = ("portfolio", "created_at", "status", "trigger", "as_of")
    list_filter = ("status",)
    inlines = [ProposedTradeInline]
