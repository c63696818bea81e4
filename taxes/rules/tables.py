"""The federal tables for one tax year, read from `data/federal_<year>.json` and checked before use.

A new tax year is a new data file: nothing in the code names a year's figures. Amounts in the files are
integers or decimal strings (never JSON floats), rates are decimal strings ("0.22").
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from types import MappingProxyType

from .types import ZERO, FilingStatus, TaxRulesError, status_of

_PACKAGE = __name__.rpartition(".")[0]
_FILE = re.compile(r"^federal_(\d{4})\.json$")
_SECTIONS = (
    "ordinary_brackets",
    "long_term_brackets",
    "standard_deduction",
    "niit",
    "capital_loss_limit",
    "retirement",
)


@dataclass(frozen=True, slots=True)
class Band:
    """Taxable income over `lower` and not over `upper` (None: no top) is taxed at `rate`."""

    rate: Decimal
    lower: Decimal
    upper: Decimal | None

    def width_of(self, start: Decimal, end: Decimal) -> Decimal:
        """How much of the span (start, end] lies in this band."""
        top = end if self.upper is None else min(end, self.upper)
        return max(ZERO, top - max(start, self.lower))

    def holds(self, amount: Decimal) -> bool:
        """Whether the next dollar above `amount` is taxed in this band."""
        return self.lower <= amount and (self.upper is None or amount < self.upper)


@dataclass(frozen=True, slots=True)
class StatusTables:
    ordinary: tuple[Band, ...]
    long_term: tuple[Band, ...]  # 0 / 15 / 20% for net capital gain and qualified dividends
    standard_deduction: Decimal
    niit_threshold: Decimal
    capital_loss_limit: Decimal

    @property
    def zero_rate_top(self) -> Decimal:
        """Top of the 0% long-term band (the "maximum zero rate amount")."""
        first = self.long_term[0]
        if first.rate != 0 or first.upper is None:
            raise TaxRulesError(
                "the first long-term band is not a bounded 0% band", field="long_term_brackets"
            )
        return first.upper


@dataclass(frozen=True, slots=True)
class RetirementTables:
    ira: Decimal
    ira_catch_up_50: Decimal
    k401: Decimal
    k401_catch_up_50: Decimal
    k401_catch_up_60_63: Decimal | None  # from 2025 (SECURE 2.0 §109); replaces the age-50 catch-up
    hsa_self_only: Decimal
    hsa_family: Decimal
    hsa_catch_up_55: Decimal


@dataclass(frozen=True, slots=True)
class YearTables:
    year: int
    source: Mapping[str, str]
    statuses: Mapping[FilingStatus, StatusTables]
    niit_rate: Decimal
    retirement: RetirementTables

    def for_status(self, status: FilingStatus | str) -> StatusTables:
        return self.statuses[status_of(status)]


def available_years() -> tuple[int, ...]:
    """Tax years that have a data file, ascending."""
    years = []
    for entry in resources.files(_PACKAGE).joinpath("data").iterdir():
        match = _FILE.match(entry.name)
        if match:
            years.append(int(match.group(1)))
    return tuple(sorted(years))


@functools.cache
def load_tables(year: int) -> YearTables:
    """The checked tables for `year`. Raises TaxRulesError when the year has no data file or a bad one."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise TaxRulesError(f"expected an integer year, got {year!r}", field="year")
    entry = resources.files(_PACKAGE).joinpath("data", f"federal_{year}.json")
    if not entry.is_file():
        known = ", ".join(str(y) for y in available_years())
        raise TaxRulesError(f"no federal tables for {year} (have {known})", field="year")
    try:
        raw = json.loads(entry.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise TaxRulesError(f"federal_{year}.json is not valid JSON: {exc}") from exc
    tables = parse_tables(raw)
    if tables.year != year:
        raise TaxRulesError(f"federal_{year}.json says year {tables.year}", field="year")
    return tables


def parse_tables(raw: object) -> YearTables:
    """Check one year's data (the parsed JSON) and build its tables; every fault names its place."""
    data = _mapping(raw, "")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 < year < 3000:
        raise TaxRulesError(f"expected a four-digit year, got {year!r}", field="year")
    source = _mapping(data.get("source"), "source")
    if not source or not all(isinstance(v, str) and v.strip() for v in source.values()):
        raise TaxRulesError("must name the source of the figures, as text", field="source")
    missing = [name for name in _SECTIONS if name not in data]
    if missing:
        raise TaxRulesError(f"missing sections: {', '.join(missing)}")

    niit = _mapping(data["niit"], "niit")
    niit_rate = _rate(niit.get("rate"), "niit.rate")
    ordinary = _per_status(data["ordinary_brackets"], "ordinary_brackets")
    long_term = _per_status(data["long_term_brackets"], "long_term_brackets")
    deduction = _per_status(data["standard_deduction"], "standard_deduction")
    niit_threshold = _per_status(niit.get("threshold"), "niit.threshold")
    loss_limit = _per_status(data["capital_loss_limit"], "capital_loss_limit")

    statuses = {}
    for status in FilingStatus:
        name = status.value
        statuses[status] = StatusTables(
            ordinary=_bands(ordinary[name], f"ordinary_brackets.{name}"),
            long_term=_bands(long_term[name], f"long_term_brackets.{name}", zero_first=True),
            standard_deduction=_amount(deduction[name], f"standard_deduction.{name}"),
            niit_threshold=_amount(niit_threshold[name], f"niit.threshold.{name}"),
            capital_loss_limit=_amount(loss_limit[name], f"capital_loss_limit.{name}", positive=True),
        )
    return YearTables(
        year=year,
        source=MappingProxyType({str(k): str(v) for k, v in source.items()}),
        statuses=MappingProxyType(statuses),
        niit_rate=niit_rate,
        retirement=_retirement(data["retirement"]),
    )


def _mapping(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TaxRulesError(f"expected an object, got {type(value).__name__}", field=field or None)
    return value


def _per_status(value: object, field: str) -> Mapping[str, object]:
    section = _mapping(value, field)
    wanted = {s.value for s in FilingStatus}
    missing, extra = wanted - section.keys(), section.keys() - wanted
    if missing or extra:
        raise TaxRulesError(
            f"needs exactly the statuses {sorted(wanted)}; missing {sorted(missing)}, unknown {sorted(extra)}",
            field=field,
        )
    return section


def _amount(value: object, field: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise TaxRulesError(f"expected an amount, got {value!r}", field=field)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise TaxRulesError(f"not a number: {value!r}", field=field) from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        raise TaxRulesError(f"must be a {'positive' if positive else 'non-negative'} amount", field=field)
    return amount


def _rate(value: object, field: str) -> Decimal:
    rate = _amount(value, field)
    if rate >= 1:
        raise TaxRulesError(f"a rate is a fraction below 1, got {rate}", field=field)
    return rate


def _bands(value: object, field: str, *, zero_first: bool = False) -> tuple[Band, ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise TaxRulesError("expected a list of at least two brackets", field=field)
    bands: list[Band] = []
    lower = ZERO
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        entry = _mapping(item, where)
        rate = _rate(entry.get("rate"), f"{where}.rate")
        last = index == len(value) - 1
        raw_upper = entry.get("up_to")
        if last:
            if raw_upper is not None:
                raise TaxRulesError("the top bracket has no upper limit (null)", field=f"{where}.up_to")
            upper = None
        else:
            upper = _amount(raw_upper, f"{where}.up_to", positive=True)
            if upper <= lower:
                raise TaxRulesError(
                    f"bracket tops must increase ({upper} after {lower})", field=f"{where}.up_to"
                )
        if bands and rate <= bands[-1].rate:
            raise TaxRulesError(f"rates must increase ({rate} after {bands[-1].rate})", field=f"{where}.rate")
        bands.append(Band(rate=rate, lower=lower, upper=upper))
        lower = upper if upper is not None else lower
    if zero_first and bands[0].rate != 0:
        raise TaxRulesError("the first long-term band must be the 0% band", field=f"{field}[0].rate")
    if not zero_first and bands[0].rate == 0:
        raise TaxRulesError("ordinary income has no 0% bracket", field=f"{field}[0].rate")
    return tuple(bands)


def _retirement(value: object) -> RetirementTables:
    section = _mapping(value, "retirement")
    ira = _mapping(section.get("ira"), "retirement.ira")
    k401 = _mapping(section.get("401k"), "retirement.401k")
    hsa = _mapping(section.get("hsa"), "retirement.hsa")
    late = k401.get("catch_up_60_63")
    return RetirementTables(
        ira=_amount(ira.get("limit"), "retirement.ira.limit", positive=True),
        ira_catch_up_50=_amount(ira.get("catch_up_50"), "retirement.ira.catch_up_50"),
        k401=_amount(k401.get("limit"), "retirement.401k.limit", positive=True),
        k401_catch_up_50=_amount(k401.get("catch_up_50"), "retirement.401k.catch_up_50"),
        k401_catch_up_60_63=None if late is None else _amount(late, "retirement.401k.catch_up_60_63"),
        hsa_self_only=_amount(hsa.get("self_only"), "retirement.hsa.self_only", positive=True),
        hsa_family=_amount(hsa.get("family"), "retirement.hsa.family", positive=True),
        hsa_catch_up_55=_amount(hsa.get("catch_up_55"), "retirement.hsa.catch_up_55"),
    )
