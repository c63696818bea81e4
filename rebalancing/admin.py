from django.contrib import admin

from rebalancing.models import Target, TargetWeight


class TargetWeightInline(admin.TabularInline):
    model = TargetWeight
    extra = 0


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("name", "portfolio", "band_absolute", "band_relative")
    inlines = [TargetWeightInline]
