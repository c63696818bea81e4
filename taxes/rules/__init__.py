"""US federal tax rules for tax years with a data file (2024-2026): brackets, 0/15/20% stacking, NIIT,
capital loss netting and carryover, Form 8949 boxes, contribution limits and year-planner helpers.

Pure Python (stdlib only, no Django). Money is Decimal and never float; nothing reads the clock, so every
function takes its tax year. The federal figures are data in `data/federal_<year>.json`.
"""

from __future__ import annotations

from taxes.engine.types import Term

from .brackets import (
    TaxEstimate,
    TaxInputs,
    estimate,
    estimate_inputs,
    long_term_tax,
    marginal_ordinary_rate,
    niit,
    ordinary_tax,
    tax_on_bands,
)
from .forms import (
    DIGITAL_ASSET_BOXES_FROM,
    Adjustment,
    AdjustmentCode,
    Box,
    ReportingStatus,
    column_f_g,
    column_h,
    form_8949_box,
    schedule_d_line,
    wash_sale_adjustment,
)
from .losses import NO_CARRYOVER, CapitalYear, Carryover, ScheduleD, carry_forward, schedule_d
from .planner import (
    BracketRoom,
    GainRoom,
    roth_conversion_room,
    tax_change,
    tax_saved_by_waiting,
    zero_rate_band_room,
    zero_rate_room,
)
from .retirement import ContributionLimit, Plan, age_at_year_end, contribution_limit, contribution_room
from .tables import Band, StatusTables, YearTables, available_years, load_tables, parse_tables
from .types import ZERO, FilingStatus, TaxRulesError, to_cents, to_whole_dollars

__all__ = [
    "DIGITAL_ASSET_BOXES_FROM",
    "NO_CARRYOVER",
    "ZERO",
    "Adjustment",
    "AdjustmentCode",
    "Band",
    "Box",
    "BracketRoom",
    "CapitalYear",
    "Carryover",
    "ContributionLimit",
    "FilingStatus",
    "GainRoom",
    "Plan",
    "ReportingStatus",
    "ScheduleD",
    "StatusTables",
    "TaxEstimate",
    "TaxInputs",
    "TaxRulesError",
    "Term",
    "YearTables",
    "age_at_year_end",
    "available_years",
    "carry_forward",
    "column_f_g",
    "column_h",
    "contribution_limit",
    "contribution_room",
    "estimate",
    "estimate_inputs",
    "form_8949_box",
    "load_tables",
    "long_term_tax",
    "marginal_ordinary_rate",
    "niit",
    "ordinary_tax",
    "parse_tables",
    "roth_conversion_room",
    "schedule_d",
    "schedule_d_line",
    "tax_change",
    "tax_on_bands",
    "tax_saved_by_waiting",
    "to_cents",
    "to_whole_dollars",
    "wash_sale_adjustment",
    "zero_rate_band_room",
    "zero_rate_room",
]
