"""The JSON download: every section, every amount an exact decimal string."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from exports_kit import D, Extras, row, summary

from taxes import rules
from taxes.exports import render
from taxes.summary.types import GivenAway, MovedOut


def document() -> dict[str, Any]:
    extras = Extras(
        given_away=[
            GivenAway(
                "donation", date(2025, 3, 1), "Exchange", "BTC", D("0.1"), D(1000), D(5000), "long", D(5000)
            )
        ],
        moved_out=[MovedOut("conversion", date(2025, 5, 1), "Trad IRA", "VTI", D(10), D("2500.555"))],
        income_by_kind={"staking": D("123.456789")},
        income_by_month={"2025-01": D("123.456789")},
    )
    s = summary(
        [
            row("A", "0.123456789012345678 ETH", "100.005", "50.004", quantity="0.123456789012345678"),
            row("A", "2 VTI", "200.125", "210.555", "10.43"),
            row("J", "1 BTC", "90000.1", "10000", acquired=date(2020, 1, 1)),
        ],
        carryover=rules.Carryover(D("1234.5"), D(0)),
        extras=extras,
    )
    return json.loads(render(s, "json").content)


def _no_floats(value: Any) -> None:
    assert not isinstance(value, float), value
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list):
        for item in value:
            _no_floats(item)


def test_no_amount_is_a_json_number() -> None:
    _no_floats(document())


def test_rows_carry_exact_and_printed_columns() -> None:
    doc = document()
    first = doc["form_8949"]["rows"][0]
    assert first["box"] == "A"
    assert first["part"] == "I"
    assert first["term"] == "short"
    assert first["a_description"] == "0.123456789012345678 ETH"
    assert (first["b_acquired"], first["c_sold"]) == ("2025-01-10", "2025-06-20")
    assert (first["d_proceeds"], first["e_cost"], first["g_adjustment"], first["h_gain"]) == (
        "100.005",
        "50.004",
        "0",
        "50.001",
    )
    assert first["printed"] == {
        "d_proceeds": "100.01",
        "e_cost": "50.00",
        "g_adjustment": "0.00",
        "h_gain": "50.01",
    }
    assert first["quantity"] == "0.123456789012345678"
    wash = doc["form_8949"]["rows"][1]
    assert (wash["f_code"], wash["g_adjustment"], wash["printed"]["h_gain"]) == ("W", "10.43", "0.00")


def test_box_totals_exact_and_printed() -> None:
    boxes = {b["box"]: b for b in document()["form_8949"]["boxes"]}
    assert list(boxes) == ["A", "J"]
    a = boxes["A"]
    assert a["printed"] == {
        "rows": 2,
        "proceeds": "300.14",
        "cost": "260.56",
        "adjustment": "10.43",
        "gain": "50.01",
    }
    assert a["exact"] == {
        "rows": 2,
        "proceeds": "300.13",
        "cost": "260.559",
        "adjustment": "10.43",
        "gain": "50.001",
    }
    assert (boxes["J"]["schedule_d_line"], boxes["J"]["part"]) == ("8b", "II")


def test_schedule_d_carryover_income_gifts_and_estimate() -> None:
    doc = document()
    sched = doc["schedule_d"]
    assert sched["line_6"] == "1234.5"
    assert sched["line_14"] == "0"
    assert sched["line_7"] == "-1184.49"  # 50.01 printed box A gain less the 1,234.50 carried in
    assert sched["carryover_in"] == {
        "short_term": "1234.5",
        "long_term": "0",
        "total": "1234.5",
        "source": "tax profile 2025",
    }
    assert set(sched["carryover_out"]) == {"short_term", "long_term", "total"}
    assert {"line_15", "line_16", "line_21", "filing_status"} <= set(sched)
    assert doc["income"]["by_kind"] == {"staking": "123.456789"}
    assert doc["income"]["by_month"] == {"2025-01": "123.456789"}
    assert doc["given_away"][0]["deduction"] == "5000"
    assert doc["donation_deduction"]["printed"] == "5000.00"
    assert doc["moved_out"][0] == {
        "kind": "conversion",
        "date": "2025-05-01",
        "account": "Trad IRA",
        "asset": "VTI",
        "quantity": "10",
        "value": "2500.555",
    }
    assert doc["conversions_total"] == "2500.555"
    estimate = doc["estimate"]
    assert estimate["label"] == "Estimate - not tax advice"
    assert set(estimate["marginal_rates"]) == {
        "ordinary",
        "long_term",
        "niit",
        "short_term_gain",
        "long_term_gain",
    }
    assert estimate["state"] == "CA"
    assert estimate["state_rate"] == "0.05"
    assert doc["profile"]["filing_status"] == "single"
    assert doc["profile"]["assumed"] is False


def test_metadata_comes_first() -> None:
    doc = document()
    assert next(iter(doc)) == "schema"
    assert doc["metadata"] == {
        "lotwise_version": "9.8.7",
        "generated_at": "2026-02-03T04:05:06Z",
        "computed_at": "2026-02-01T09:30:00Z",
        "basis_methods": {"Exchange": "FIFO", "Broker": "HIFO"},
        "price_sources": ["ledger unit prices (fair values as recorded)", "coingecko"],
        "notes": ["A note with \u201cquotes\u201d \u2212 and \u00d7 signs."],
        "problems": [],
    }
    assert (doc["owner"], doc["year"], doc["portfolio"]) == ("alice", 2025, None)
