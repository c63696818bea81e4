"""The year-end tax summary: Form 8949 rows and boxes, Schedule D, income, gifts, distributions and an
estimate, built from the engine's stored output; the exports print it."""

from __future__ import annotations

from taxes.summary.build import lotwise_version, summary_years, year_summary
from taxes.summary.types import BoxTotals, Form8949Row, GivenAway, MovedOut, ProfileUsed, Totals, YearSummary

__all__ = [
    "BoxTotals",
    "Form8949Row",
    "GivenAway",
    "MovedOut",
    "ProfileUsed",
    "Totals",
    "YearSummary",
    "lotwise_version",
    "summary_years",
    "year_summary",
]
