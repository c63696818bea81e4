"""Daily quotes for US-listed ETFs and stocks from Yahoo Finance's public chart endpoint
(`/v8/finance/chart/{symbol}`), the source Ghostfolio and Portfolio Performance also read.

It shares the crypto clients' request loop (rate limit, retries with backoff on 429/5xx/timeouts,
Decimal JSON). The endpoint answers one symbol per request, so a batch is one request per symbol.
Every close is checked before it is returned: a null close (a holiday or a halted day) is no price
and is skipped, never read as zero; a non-numeric, zero, negative or absurd number is refused and
logged; a quote in any currency but USD is refused, since every stored price is a USD price.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import quote as urlquote

from .client import (
    PriceSourceError,
    PriceSourceRejected,
    Quote,
    _JsonPriceSource,
    _require_aware,
    utc_datetime,
    utc_midnight,
)
from .validation import InvalidPrice, clean_price, log_refused

logger = logging.getLogger("lotwise.prices")

# priceHint is the number of decimals the exchange quotes; outside this span it is not trusted.
_MAX_PRICE_HINT = 8


class SymbolNotFound(PriceSourceRejected):
    """The source does not know the symbol (delisted, mistyped, or not a US listing)."""


class UnsupportedCurrency(PriceSourceRejected):
    """The source quotes the symbol in a currency other than USD (e.g. a London listing in GBp)."""


@dataclass(frozen=True)
class DailyClose:
    """The regular-session close of one trading day, dated in the exchange's time zone."""

    day: date
    close: Decimal


class YahooFinanceClient(_JsonPriceSource):
    """Yahoo Finance chart API: daily closes over any span in one request, and the latest price."""

    name = "Yahoo Finance"
    source = "yahoo"
    DEFAULT_BASE_URL = "https://query1.finance.yahoo.com"
    # The endpoint has no published quota and answers bursts with 429: one request a second at most.
    DEFAULT_RATE_PER_MINUTE = 60
    CURRENCY = "USD"
    LATEST_RANGE = "5d"

    @classmethod
    def from_settings(cls, **kwargs: Any) -> YahooFinanceClient:
        from django.conf import settings

        return cls(getattr(settings, "YAHOO_FINANCE_BASE_URL", "") or cls.DEFAULT_BASE_URL, **kwargs)

    # --- public API ---------------------------------------------------------------------------------

    def daily_closes(self, symbol: str, first: date, last: date) -> list[DailyClose]:
        """The close of every trading day from `first` through `last` (dates in the exchange's time
        zone), oldest first. Days without a usable close are left out."""
        if last < first:
            raise ValueError(f"last ({last}) is before first ({first})")
        symbol = symbol.strip().upper()
        # period2 is exclusive on Yahoo's side: ask up to the next midnight so `last` is included.
        result = self._chart(
            symbol,
            {
                "period1": int(utc_midnight(first).timestamp()),
                "period2": int(utc_midnight(last + timedelta(days=1)).timestamp()),
                "interval": "1d",
                "includePrePost": "false",
            },
        )
        return [c for c in self._closes(symbol, result) if first <= c.day <= last]

    def history(self, id: str, start: datetime, end: datetime) -> list[Quote]:
        """Daily closes of the symbol `id` from start's day through end's day, each stored at 00:00 UTC
        of its trading day: the same shape as the crypto clients' history()."""
        first = _require_aware(start, "start").date()
        last = _require_aware(end, "end").date()
        symbol = id.strip().upper()
        return [
            Quote(asset=symbol, at=utc_midnight(c.day), price=c.close, source=self.source)
            for c in self.daily_closes(symbol, first, last)
        ]

    def quote(self, symbol: str) -> Quote:
        """The latest regular-market price of one symbol; SymbolNotFound, UnsupportedCurrency or
        PriceSourceError when there is none to give."""
        symbol = symbol.strip().upper()
        result = self._chart(symbol, {"range": self.LATEST_RANGE, "interval": "1d"})
        meta = result["meta"]
        price, at = meta.get("regularMarketPrice"), meta.get("regularMarketTime")
        if isinstance(at, Decimal) and price is not None:
            when = utc_datetime(at)
            checked = self._clean(symbol, when, price, meta)
            if checked is not None:
                return Quote(asset=symbol, at=when, price=checked, source=self.source)
        # Without a usable market price the last daily close is still a real, dated quote.
        closes = self._closes(symbol, result)
        if not closes:
            raise PriceSourceError(f"{self.name}: no price for {symbol} in the last {self.LATEST_RANGE}")
        last = closes[-1]
        return Quote(asset=symbol, at=utc_midnight(last.day), price=last.close, source=self.source)

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The latest USD price of each symbol, one request per symbol. A symbol the source does not
        know, or quotes in another currency, is logged and left out, as CoinGeckoClient.latest()
        leaves out unknown ids; an unreachable source raises PriceSourceUnavailable for the batch."""
        unique = list(dict.fromkeys(s.strip().upper() for s in symbols if s and s.strip()))
        quotes: dict[str, Quote] = {}
        for symbol in unique:
            try:
                quotes[symbol] = self.quote(symbol)
            except PriceSourceRejected as exc:
                logger.warning("%s: no latest price for %s: %s", self.name, symbol, exc)
        return quotes

    # --- response checks ----------------------------------------------------------------------------

    def _chart(self, symbol: str, params: Mapping[str, str | int]) -> dict[str, Any]:
        """The one chart result for `symbol`, after checking the envelope, the symbol and the currency."""
        path = f"/v8/finance/chart/{urlquote(symbol, safe='')}"
        try:
            data = self._get_json(path, params)
        except PriceSourceRejected as exc:
            # Yahoo answers an unknown symbol with 404 and a chart.error body.
            if exc.status_code == 404:
                raise SymbolNotFound(f"{self.name} has no symbol {symbol}: {exc}", status_code=404) from exc
            raise
        chart = data.get("chart") if isinstance(data, dict) else None
        if not isinstance(chart, dict):
            raise PriceSourceError(f"{self.name} {path}: no 'chart' object in the response")
        error = chart.get("error")
        if error:
            raise self._chart_error(symbol, error)
        results = chart.get("result")
        if not (isinstance(results, list) and results and isinstance(results[0], dict)):
            raise PriceSourceError(f"{self.name} {path}: no chart result in the response")
        result: dict[str, Any] = results[0]
        meta = result.get("meta")
        if not isinstance(meta, dict):
            raise PriceSourceError(f"{self.name} {path}: the chart result has no 'meta' object")
        answered = meta.get("symbol")
        if isinstance(answered, str) and answered.upper() != symbol:
            raise PriceSourceError(f"{self.name} {path}: asked for {symbol}, answered for {answered}")
        currency = meta.get("currency")
        if currency != self.CURRENCY:
            raise UnsupportedCurrency(
                f"{self.name} quotes {symbol} in {currency or 'no stated currency'}, not {self.CURRENCY};"
                " only USD prices are stored",
                status_code=200,
            )
        return result

    def _chart_error(self, symbol: str, error: object) -> PriceSourceRejected:
        if isinstance(error, dict):
            code = str(error.get("code") or "error")
            description = str(error.get("description") or "").strip()
        else:
            code, description = "error", str(error)
        message = f"{self.name} chart error for {symbol}: {code}" + (
            f": {description}" if description else ""
        )
        if code == "Not Found":
            return SymbolNotFound(message, status_code=200)
        return PriceSourceRejected(message, status_code=200)

    def _closes(self, symbol: str, result: Mapping[str, Any]) -> list[DailyClose]:
        """The checked closes of a chart result, oldest first, one per exchange-local day."""
        timestamps = result.get("timestamp")
        if timestamps is None:
            # A span with no trading day (a weekend, a holiday) comes back without any series.
            return []
        indicators = result.get("indicators")
        quotes = indicators.get("quote") if isinstance(indicators, dict) else None
        series = quotes[0] if isinstance(quotes, list) and quotes and isinstance(quotes[0], dict) else None
        closes = series.get("close") if series is not None else None
        if not (isinstance(timestamps, list) and isinstance(closes, list)):
            raise PriceSourceError(f"{self.name}: the chart of {symbol} has no timestamp or close series")
        if len(timestamps) != len(closes):
            raise PriceSourceError(
                f"{self.name}: the chart of {symbol} has {len(timestamps)} timestamps"
                f" but {len(closes)} closes; they cannot be paired"
            )
        meta: Mapping[str, Any] = result["meta"]
        # A daily bar is stamped at the session's open; its trading day is the exchange's local date.
        offset = meta.get("gmtoffset")
        shift = int(offset) if isinstance(offset, Decimal) else 0
        by_day: dict[date, Decimal] = {}
        for stamp, close in zip(timestamps, closes, strict=True):
            if not isinstance(stamp, Decimal):
                logger.warning("%s: %s: skipped a bar with timestamp %r", self.name, symbol, stamp)
                continue
            day = utc_datetime(stamp + shift).date()
            if close is None:
                # No trade that day: there is no price, which is not a price of zero.
                logger.debug("%s: %s has no close on %s", self.name, symbol, day)
                continue
            checked = self._clean(symbol, utc_midnight(day), close, meta)
            if checked is not None:
                # The running day's bar can come twice (open and last trade): the later one wins.
                by_day[day] = checked
        return [DailyClose(day=day, close=by_day[day]) for day in sorted(by_day)]

    def _clean(self, symbol: str, at: datetime, value: object, meta: Mapping[str, Any]) -> Decimal | None:
        """The validated price, or None after logging why the number was refused."""
        if not isinstance(value, Decimal):
            log_refused(asset=symbol, at=at, value=value, reason=f"{self.name} sent a non-numeric price")
            return None
        try:
            price = clean_price(value)
        except InvalidPrice as exc:
            log_refused(asset=symbol, at=at, value=value, reason=f"{self.name}: {exc.reason}")
            return None
        hint = meta.get("priceHint")
        if isinstance(hint, Decimal) and 0 <= hint <= _MAX_PRICE_HINT:
            # Yahoo writes single-precision noise into its prices (329.6099853515625 for 329.61);
            # the exchange's own precision is priceHint decimals.
            price = price.quantize(Decimal(1).scaleb(-int(hint)), rounding=ROUND_HALF_EVEN)
            if price.is_zero():
                log_refused(
                    asset=symbol, at=at, value=value, reason=f"{self.name}: zero at the quoted precision"
                )
                return None
        return price
