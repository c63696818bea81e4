"""The tax API's answers, typed: the year-end summary document (taxes/exports/jsonfile.py), a tax file
built in the background, and this year's planning (harvesting and the planner). Amounts are exact decimal
strings, as everywhere in the API."""

from __future__ import annotations

from rest_framework import serializers

from portfolios.api.fields import decimal_map, decimal_text
from taxes.models import ReportJob, Term


class MetadataSerializer(serializers.Serializer):
    lotwise_version = serializers.CharField()
    generated_at = serializers.CharField()
    computed_at = serializers.CharField(allow_null=True, help_text="when the lots were computed")
    basis_methods = serializers.DictField(child=serializers.CharField(), help_text="account -> method")
    price_sources = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())


class ProfileSerializer(serializers.Serializer):
    filing_status = serializers.CharField()
    other_ordinary_income = decimal_text()
    state = serializers.CharField(allow_blank=True)
    state_rate = decimal_text()
    assumed = serializers.BooleanField(help_text="no tax profile for the year: defaults assumed")


class PrintedAmountsSerializer(serializers.Serializer):
    d_proceeds = decimal_text()
    e_cost = decimal_text()
    g_adjustment = decimal_text()
    h_gain = decimal_text()


class Form8949RowSerializer(serializers.Serializer):
    box = serializers.CharField()
    part = serializers.CharField()
    term = serializers.CharField()
    a_description = serializers.CharField()
    b_acquired = serializers.DateField()
    c_sold = serializers.DateField()
    d_proceeds = decimal_text()
    e_cost = decimal_text()
    f_code = serializers.CharField(allow_blank=True)
    g_adjustment = decimal_text()
    h_gain = decimal_text()
    printed = PrintedAmountsSerializer(help_text="rounded to cents, as on the form")
    portfolio = serializers.CharField()
    account = serializers.CharField()
    asset = serializers.CharField()
    quantity = decimal_text()
    is_digital_asset = serializers.BooleanField()


class BoxAmountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    proceeds = decimal_text()
    cost = decimal_text()
    adjustment = decimal_text()
    gain = decimal_text()


class BoxSerializer(serializers.Serializer):
    box = serializers.CharField()
    part = serializers.CharField()
    term = serializers.CharField()
    schedule_d_line = serializers.CharField()
    printed = BoxAmountsSerializer(help_text="sums of the printed rows")
    exact = BoxAmountsSerializer()


class Form8949Serializer(serializers.Serializer):
    rows = Form8949RowSerializer(many=True)
    boxes = BoxSerializer(many=True)


class CarrySerializer(serializers.Serializer):
    short_term = decimal_text()
    long_term = decimal_text()
    total = decimal_text()


class CarryInSerializer(CarrySerializer):
    source = serializers.CharField()  # type: ignore[assignment]


class ScheduleDSerializer(serializers.Serializer):
    filing_status = serializers.CharField()
    short_term_rows = decimal_text()
    long_term_rows = decimal_text()
    line_6 = decimal_text()
    line_7 = decimal_text()
    line_14 = decimal_text()
    line_15 = decimal_text()
    line_16 = decimal_text()
    line_21 = decimal_text()
    carryover_in = CarryInSerializer()
    carryover_out = CarrySerializer()


class SummaryIncomeSerializer(serializers.Serializer):
    by_kind = decimal_map()
    by_month = decimal_map(help_text="YYYY-MM -> amount")
    total = decimal_text()
    investment_income = decimal_text()


class GivenAwaySerializer(serializers.Serializer):
    kind = serializers.CharField()
    date = serializers.DateField()
    account = serializers.CharField()
    asset = serializers.CharField()
    quantity = decimal_text()
    basis = decimal_text()
    fair_value = decimal_text()
    term = serializers.CharField()
    deduction = decimal_text()


class DonationDeductionSerializer(serializers.Serializer):
    exact = decimal_text()
    printed = decimal_text()


class MovedOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    date = serializers.DateField()
    account = serializers.CharField()
    asset = serializers.CharField()
    quantity = decimal_text()
    value = decimal_text()


class EstimateInputsSerializer(serializers.Serializer):
    ordinary_income = decimal_text()
    short_term_net = decimal_text()
    long_term_net = decimal_text()
    qualified_dividends = decimal_text()
    ordinary_investment_income = decimal_text()
    carryover = CarrySerializer()
    deductions = decimal_text(null=True)


class MarginalRatesSerializer(serializers.Serializer):
    ordinary = decimal_text()
    long_term = decimal_text()
    niit = decimal_text()
    short_term_gain = decimal_text()
    long_term_gain = decimal_text()


class EstimateSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    year = serializers.IntegerField()
    filing_status = serializers.CharField()
    inputs = EstimateInputsSerializer()
    agi = decimal_text()
    deduction = decimal_text()
    taxable_income = decimal_text()
    preferential_income = decimal_text()
    ordinary_taxable_income = decimal_text()
    ordinary_tax = decimal_text()
    capital_gains_tax = decimal_text()
    income_tax = decimal_text()
    magi = decimal_text()
    net_investment_income = decimal_text()
    niit = decimal_text()
    federal_total = decimal_text()
    state = serializers.CharField(allow_blank=True)
    state_rate = decimal_text()
    state_estimate = decimal_text()
    marginal_rates = MarginalRatesSerializer()


class YearSummarySerializer(serializers.Serializer):
    schema = serializers.CharField(help_text='"lotwise.year-summary/1"')
    metadata = MetadataSerializer()
    owner = serializers.CharField()
    year = serializers.IntegerField()
    portfolio = serializers.CharField(allow_null=True, help_text="the portfolio viewed; null: all of them")
    scope = serializers.CharField()
    profile = ProfileSerializer()
    form_8949 = Form8949Serializer()
    schedule_d = ScheduleDSerializer()
    income = SummaryIncomeSerializer()
    given_away = GivenAwaySerializer(many=True)
    donation_deduction = DonationDeductionSerializer()
    moved_out = MovedOutSerializer(many=True)
    conversions_total = decimal_text()
    estimate = EstimateSerializer()


class ReportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    format = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportJob.Status.choices)
    status_label = serializers.CharField()
    progress = serializers.IntegerField(help_text="percent")
    stage = serializers.CharField(allow_blank=True)
    finished = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    warning = serializers.CharField(allow_blank=True)
    file_url = serializers.CharField(allow_null=True, help_text="where to fetch the file, once done")
    status_url = serializers.CharField(help_text="this job's address, to poll")


# --- this year's planning --------------------------------------------------------------------------------


class HarvestRowSerializer(serializers.Serializer):
    lot = serializers.CharField(help_text="what `POST .../proposals/harvest/` takes to sell this lot")
    lot_id = serializers.CharField()
    portfolio_id = serializers.IntegerField()
    portfolio = serializers.CharField()
    account_id = serializers.IntegerField()
    account = serializers.CharField()
    asset_id = serializers.IntegerField()
    asset = serializers.CharField()
    origin_id = serializers.IntegerField(help_text="the transaction that created the lot")
    quantity = decimal_text()
    basis = decimal_text()
    value = decimal_text(help_text="at the latest prices")
    loss = decimal_text(help_text="positive")
    term = serializers.ChoiceField(choices=Term.choices)
    acquired = serializers.DateField()
    saving = decimal_text(help_text="estimated federal tax saved by selling this lot alone, now")
    wash_rule = serializers.BooleanField(help_text="the wash-sale rule applies to this asset here")
    recent_purchase = serializers.DateField(
        allow_null=True, help_text="the latest purchase in your accounts within 30 days"
    )
    clean_from = serializers.DateField(allow_null=True, help_text="the first day a sale is clean of it")


class HarvestSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rows = HarvestRowSerializer(many=True)
    total_loss = decimal_text()
    total_saving = decimal_text(help_text="all of them together (the loss limit counted)")
    short_rate = decimal_text()
    long_rate = decimal_text()
    crypto_note = serializers.CharField(allow_blank=True)
    assumed_profile = serializers.BooleanField()
    unpriced = serializers.IntegerField(help_text="loss candidates left out for want of a price")


class SoonLongTermSerializer(serializers.Serializer):
    portfolio = serializers.CharField()
    account = serializers.CharField()
    asset = serializers.CharField()
    lot_id = serializers.CharField()
    quantity = decimal_text()
    gain = decimal_text()
    long_term_from = serializers.DateField()
    saved_by_waiting = decimal_text()


class ContributionSerializer(serializers.Serializer):
    plan = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    contributed = decimal_text()
    limit = decimal_text()


class ZeroRateRoomSerializer(serializers.Serializer):
    losses_first = decimal_text(help_text="gain that would first cancel this year's net losses")
    zero_rate = decimal_text(help_text="further long-term gain taxed at 0%")


class BracketRoomSerializer(serializers.Serializer):
    rate = decimal_text(help_text="the bracket the next dollar of ordinary income falls in")
    room = decimal_text(null=True, help_text="ordinary income that still fits in it; null: top bracket")
    bracket_top = decimal_text(null=True)
    tax_on_room = decimal_text(null=True)


class PlannerEstimateSerializer(serializers.Serializer):
    filing_status = serializers.CharField()
    taxable_income = decimal_text()
    income_tax = decimal_text()
    niit = decimal_text()
    federal_total = decimal_text()
    marginal_ordinary_rate = decimal_text()
    short_term_rate = decimal_text()
    long_term_rate = decimal_text()


class PlannerSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    today = serializers.DateField()
    realized_short = decimal_text()
    realized_long = decimal_text()
    estimate = PlannerEstimateSerializer()
    zero_rate = ZeroRateRoomSerializer()
    conversion = BracketRoomSerializer(help_text="room for a Roth conversion in the current bracket")
    soon_long_term = SoonLongTermSerializer(many=True)
    contributions = ContributionSerializer(many=True)
    assumed_profile = serializers.BooleanField()
