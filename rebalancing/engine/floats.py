"""The one door between the engine's exact Decimals and the solver's floats.

HiGHS works in floating point. Amounts cross into it here, scaled to fractions of the portfolio, and every
plan it returns is rebuilt and re-checked in Decimal (evaluate.py) before anything is proposed.
"""

from __future__ import annotations

from typing import SupportsFloat


def solver_float(value: SupportsFloat) -> float:
    return float(value)  # float ok: solver input or output only; plans are re-checked in Decimal
