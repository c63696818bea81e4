"""Capital gain and loss netting: Schedule D lines 7, 15, 16 and 21, and the Capital Loss Carryover Worksheet.

Sources: IRC §1211(b) (a net capital loss offsets at most $3,000 of other income, $1,500 married filing
separately), IRC §1212(b) (the rest carries forward without end, short-term as short-term and long-term as
long-term), and the Schedule D (Form 1040) instructions with their Capital Loss Carryover Worksheet.
Amounts are exact; nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .tables import load_tables
from .types import ZERO, FilingStatus, TaxRulesError, exact, money, status_of


@dataclass(frozen=True, slots=True)
class Carryover:
    """Capital loss carried into a year, as positive amounts (Schedule D lines 6 and 14 print them in
    parentheses)."""

    short_term: Decimal = ZERO
    long_term: Decimal = ZERO

    def __post_init__(self) -> None:
        # Coerce ints so that every figure downstream is a Decimal.
        object.__setattr__(
            self, "short_term", money(self.short_term, "carryover.short_term", non_negative=True)
        )
        object.__setattr__(self, "long_term", money(self.long_term, "carryover.long_term", non_negative=True))

    @property
    def total(self) -> Decimal:
        return self.short_term + self.long_term


NO_CARRYOVER = Carryover()


@dataclass(frozen=True, slots=True)
class ScheduleD:
    """One year's netting. Gains are positive and losses negative, as on the form; `line_21` is the loss
    allowed against other income (zero or negative)."""

    year: int
    status: FilingStatus
    short_term_rows: Decimal  # lines 1a-5: the year's own short-term gains less losses
    long_term_rows: Decimal  # lines 8a-13: the year's own long-term gains less losses (and distributions)
    carryover_in: Carryover  # lines 6 and 14
    line_7: Decimal  # net short-term
    line_15: Decimal  # net long-term
    line_16: Decimal  # lines 7 + 15
    line_21: Decimal  # the allowed loss, when line 16 is a loss
    carryover_out: Carryover  # into the next year (Capital Loss Carryover Worksheet lines 8 and 13)

    @property
    def allowed_loss(self) -> Decimal:
        """The loss deducted this year, as a positive amount."""
        return -self.line_21

    @property
    def in_income(self) -> Decimal:
        """What reaches Form 1040 line 7: the net gain, or the allowed loss (negative)."""
        return self.line_16 if self.line_16 > 0 else self.line_21

    @property
    def net_capital_gain(self) -> Decimal:
        """Net long-term gain over any net short-term loss: the part taxed at the 0/15/20% rates
        (Qualified Dividends and Capital Gain Tax Worksheet line 3)."""
        if self.line_15 > 0 and self.line_16 > 0:
            return min(self.line_15, self.line_16)
        return ZERO


@dataclass(frozen=True, slots=True)
class CapitalYear:
    """One year's own net results for `carry_forward`. `taxable_income` as for `schedule_d`."""

    year: int
    short_term: Decimal
    long_term: Decimal
    taxable_income: Decimal | None = None


@exact
def schedule_d(
    year: int,
    status: FilingStatus | str,
    *,
    short_term: Decimal,
    long_term: Decimal,
    carryover: Carryover = NO_CARRYOVER,
    taxable_income: Decimal | None = None,
) -> ScheduleD:
    """Net one year's short- and long-term results with the carryover from earlier years.

    `short_term` and `long_term` are the year's own totals (gains less losses) before any carryover.
    `taxable_income` is the return's taxable income figured without the floor at zero (Form 1040 line 11
    less line 14, so it can be negative); it decides how much of the allowed loss was actually used, as the
    worksheet's lines 1-4 do. None means the income was large enough to use all of it.
    """
    status = status_of(status)
    limit = load_tables(year).for_status(status).capital_loss_limit
    short_term = money(short_term, "short_term")
    long_term = money(long_term, "long_term")
    if not isinstance(carryover, Carryover):
        raise TaxRulesError("expected a Carryover", field="carryover")
    line_7 = short_term - carryover.short_term
    line_15 = long_term - carryover.long_term
    line_16 = line_7 + line_15
    line_21 = -min(-line_16, limit) if line_16 < 0 else ZERO
    income = None if taxable_income is None else money(taxable_income, "taxable_income")
    return ScheduleD(
        year=year,
        status=status,
        short_term_rows=short_term,
        long_term_rows=long_term,
        carryover_in=carryover,
        line_7=line_7,
        line_15=line_15,
        line_16=line_16,
        line_21=line_21,
        carryover_out=_carryover_worksheet(line_7, line_15, line_16, line_21, income),
    )


def _carryover_worksheet(
    line_7: Decimal, line_15: Decimal, line_16: Decimal, line_21: Decimal, taxable_income: Decimal | None
) -> Carryover:
    """The Capital Loss Carryover Worksheet (Schedule D instructions), numbered as its lines.

    The allowed loss is taken from the net short-term loss first; only what the short-term loss did not
    absorb reduces the long-term carryover. A gain of one term absorbs a loss of the other before either
    carries over.
    """
    if line_16 >= 0:
        return NO_CARRYOVER
    w2 = -line_21
    if taxable_income is None:
        w4 = w2
    else:
        w3 = max(ZERO, taxable_income + w2)
        w4 = min(w2, w3)
    w5 = ZERO
    short = ZERO
    if line_7 < 0:
        w5 = -line_7
        w6 = max(ZERO, line_15)
        w7 = w4 + w6
        short = max(ZERO, w5 - w7)
    long = ZERO
    if line_15 < 0:
        w9 = -line_15
        w10 = max(ZERO, line_7)
        w11 = max(ZERO, w4 - w5)
        w12 = w10 + w11
        long = max(ZERO, w9 - w12)
    return Carryover(short_term=short, long_term=long)


def carry_forward(
    status: FilingStatus | str, years: Iterable[CapitalYear], carryover: Carryover = NO_CARRYOVER
) -> tuple[ScheduleD, ...]:
    """Chain `schedule_d` over consecutive years, each year's carryover feeding the next.

    The years must be consecutive: a year without sales still uses up to the loss limit of the carryover,
    so leaving it out would carry too much forward.
    """
    results: list[ScheduleD] = []
    for item in years:
        if results and item.year != results[-1].year + 1:
            raise TaxRulesError(
                f"years must be consecutive: {item.year} follows {results[-1].year}", field="years"
            )
        sched = schedule_d(
            item.year,
            status,
            short_term=item.short_term,
            long_term=item.long_term,
            carryover=carryover,
            taxable_income=item.taxable_income,
        )
        results.append(sched)
        carryover = sched.carryover_out
    return tuple(results)
