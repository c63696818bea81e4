"""The federal data files: every year loads, every status is there, and the figures match the IRS text.

The Rev. Procs. print, beside each bracket, the tax at its floor ("$5,426 plus 22% of the excess over
$47,150"). Computing the tax at every floor from the data must give those printed figures, which checks
the bracket tops and the rates together.
"""

from __future__ import annotations

import copy
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import taxes.rules
from taxes.rules import (
    FilingStatus,
    TaxRulesError,
    available_years,
    load_tables,
    ordinary_tax,
    parse_tables,
)

D = Decimal
DATA = Path(taxes.rules.__file__).parent / "data"
YEARS = (2024, 2025, 2026)


def _raw(year: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"federal_{year}.json").read_text(), parse_float=Decimal)
    return data


# Tax at each bracket floor as printed in the rate tables: Rev. Proc. 2023-34 §3.01 (2024),
# Rev. Proc. 2024-40 §3.01 (2025), Rev. Proc. 2025-32 §4.01 (2026).
PRINTED = {
    (2024, "single"): [(11600, "1160"), (47150, "5426"), (100525, "17168.50"), (191950, "39110.50"),
                       (243725, "55678.50"), (609350, "183647.25")],
    (2024, "mfj"): [(23200, "2320"), (94300, "10852"), (201050, "34337"), (383900, "78221"),
                    (487450, "111357"), (731200, "196669.50")],
    (2024, "mfs"): [(11600, "1160"), (47150, "5426"), (100525, "17168.50"), (191950, "39110.50"),
                    (243725, "55678.50"), (365600, "98334.75")],
    (2024, "hoh"): [(16550, "1655"), (63100, "7241"), (100500, "15469"), (191950, "37417"),
                    (243700, "53977"), (609350, "181954.50")],
    (2025, "single"): [(11925, "1192.50"), (48475, "5578.50"), (103350, "17651"), (197300, "40199"),
                       (250525, "57231"), (626350, "188769.75")],
    (2025, "mfj"): [(23850, "2385"), (96950, "11157"), (206700, "35302"), (394600, "80398"),
                    (501050, "114462"), (751600, "202154.50")],
    (2025, "mfs"): [(11925, "1192.50"), (48475, "5578.50"), (103350, "17651"), (197300, "40199"),
                    (250525, "57231"), (375800, "101077.25")],
    (2025, "hoh"): [(17000, "1700"), (64850, "7442"), (103350, "15912"), (197300, "38460"),
                    (250500, "55484"), (626350, "187031.50")],
    (2026, "single"): [(12400, "1240"), (50400, "5800"), (105700, "17966"), (201775, "41024"),
                       (256225, "58448"), (640600, "192979.25")],
    (2026, "mfj"): [(24800, "2480"), (100800, "11600"), (211400, "35932"), (403550, "82048"),
                    (512450, "116896"), (768700, "206583.50")],
    (2026, "mfs"): [(12400, "1240"), (50400, "5800"), (105700, "17966"), (201775, "41024"),
                    (256225, "58448"), (384350, "103291.75")],
    (2026, "hoh"): [(17700, "1770"), (67450, "7740"), (105700, "16155"), (201750, "39207"),
                    (256200, "56631"), (640600, "191171")],
}  # fmt: skip


def test_every_year_2024_to_2026_has_a_file_and_loads() -> None:
    assert set(YEARS) <= set(available_years())
    for year in YEARS:
        tables = load_tables(year)
        assert tables.year == year
        assert set(tables.statuses) == set(FilingStatus)


@pytest.mark.parametrize(("year", "status"), sorted(PRINTED))
def test_tax_at_every_bracket_floor_matches_the_rev_proc(year: int, status: str) -> None:
    """Rule: the year's Rev. Proc. rate table. Each printed floor figure is reproduced exactly."""
    for floor, printed in PRINTED[(year, status)]:
        assert ordinary_tax(year, status, D(floor)) == D(printed), (year, status, floor)


@pytest.mark.parametrize("year", YEARS)
def test_brackets_and_bands_increase_and_are_open_at_the_top(year: int) -> None:
    for status, rules in load_tables(year).statuses.items():
        for bands in (rules.ordinary, rules.long_term):
            tops = [band.upper for band in bands[:-1]]
            assert all(top is not None for top in tops), status
            assert tops == sorted(tops), status
            assert len(set(tops)) == len(tops), status
            assert [b.rate for b in bands] == sorted({b.rate for b in bands}), status
            assert bands[-1].upper is None
            assert bands[0].lower == 0
            for low, high in itertools.pairwise(bands):
                assert high.lower == low.upper
        assert [b.rate for b in rules.ordinary] == [
            D(r) for r in ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37")
        ]
        assert [b.rate for b in rules.long_term] == [D(0), D("0.15"), D("0.20")]


def test_figures_from_tax_tables_md() -> None:
    """Spot checks against ../shared/TAX_TABLES.md and the Rev. Procs. named in each file's "source"."""
    t24, t25, t26 = (load_tables(y) for y in YEARS)
    assert t24.for_status("hoh").zero_rate_top == D(63000)
    assert t25.for_status("mfs").long_term[1].upper == D(300000)
    assert t26.for_status("mfj").long_term[1].upper == D(613700)
    deductions = {
        y: {s.value: load_tables(y).for_status(s).standard_deduction for s in FilingStatus} for y in YEARS
    }
    assert deductions[2024] == {"single": 14600, "mfj": 29200, "mfs": 14600, "hoh": 21900}
    # 2025: the 2025 tax act's figures, not Rev. Proc. 2024-40's 15,000 / 30,000 / 22,500.
    assert deductions[2025] == {"single": 15750, "mfj": 31500, "mfs": 15750, "hoh": 23625}
    assert deductions[2026] == {"single": 16100, "mfj": 32200, "mfs": 16100, "hoh": 24150}
    for tables in (t24, t25, t26):
        assert tables.niit_rate == D("0.038")
        assert {s.value: tables.for_status(s).niit_threshold for s in FilingStatus} == {
            "single": 200000, "mfj": 250000, "mfs": 125000, "hoh": 200000
        }  # fmt: skip
        assert {s.value: tables.for_status(s).capital_loss_limit for s in FilingStatus} == {
            "single": 3000, "mfj": 3000, "mfs": 1500, "hoh": 3000
        }  # fmt: skip
        assert tables.source["ordinary_brackets"].startswith("IRS Rev. Proc.")


def test_a_year_without_a_file_is_an_error() -> None:
    with pytest.raises(TaxRulesError, match="no federal tables for 2023"):
        load_tables(2023)
    with pytest.raises(TaxRulesError):
        load_tables("2024")  # type: ignore[arg-type]


def test_amounts_are_never_floats() -> None:
    for year in YEARS:
        raw = _raw(year)
        for section in ("ordinary_brackets", "long_term_brackets"):
            for bands in raw[section].values():
                assert all(isinstance(band["rate"], str) for band in bands)


def _broken(year: int, change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(_raw(year))
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["ordinary_brackets"].pop("hoh"), r"ordinary_brackets: .*missing \['hoh'\]"),
        (lambda r: r["standard_deduction"].update(qss=1), r"unknown \['qss'\]"),
        (lambda r: r["ordinary_brackets"]["single"][2].update(up_to=40000), "bracket tops must increase"),
        (lambda r: r["ordinary_brackets"]["mfj"][3].update(rate="0.21"), "rates must increase"),
        (lambda r: r["ordinary_brackets"]["mfj"][6].update(up_to=900000), "top bracket has no upper limit"),
        (lambda r: r["long_term_brackets"]["mfs"][0].update(rate="0.05"), "first long-term band must be"),
        (lambda r: r["niit"].update(rate="3.8"), "a rate is a fraction below 1"),
        (lambda r: r["standard_deduction"].update(single=-1), "non-negative"),
        (lambda r: r["capital_loss_limit"].update(mfs=0), "positive"),
        (lambda r: r["standard_deduction"].update(single=True), "expected an amount"),
        (lambda r: r.pop("retirement"), "missing sections: retirement"),
        (lambda r: r.update(source={}), "source"),
        (lambda r: r.update(year="2024"), "four-digit year"),
    ],
)
def test_bad_data_is_refused_with_its_place(change: Any, message: str) -> None:
    with pytest.raises(TaxRulesError, match=message):
        parse_tables(_broken(2024, change))


def test_a_new_year_is_only_data() -> None:
    """A copy of 2026 relabelled 2027 parses: nothing in the code knows which years exist."""
    raw = _broken(2026, lambda r: r.update(year=2027))
    assert parse_tables(raw).year == 2027
