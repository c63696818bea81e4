"""HTTP clients for the public price APIs: CoinGecko (latest prices, market caps, last 365 days of
history) and Coinbase Exchange (daily candles further back).

Both share one request loop: a token-bucket rate limiter, retries with exponential backoff on 429, 5xx,
timeouts and connection errors (Retry-After honoured), and an immediate PriceSourceRejected on any
other 4xx. Responses are parsed with Decimal for every number; no float ever holds a price.
The clock and sleep are injectable so tests run the backoff schedule without waiting.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import quote as urlquote

import httpx

from .validation import log_refused

logger = logging.getLogger("lotwise.prices")

USER_AGENT = "Lotwise/0.1 (+self-hosted portfolio dashboard)"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PriceSourceError(Exception):
    """A price API call failed; the message says which call and why."""


class PriceSourceUnavailable(PriceSourceError):
    """The API could not be reached or kept failing (connection, timeout, 429, 5xx) after every retry."""


class PriceSourceRejected(PriceSourceError):
    """The API refused the request (a 4xx other than 429): retrying cannot help."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Quote:
    """One USD price from a source. `asset` is the source's identifier: the CoinGecko id ('bitcoin')
    or, for Coinbase, the symbol ('BTC')."""

    asset: str
    at: datetime
    price: Decimal
    source: str


class RateLimiter:
    """Token bucket: `rate_per_minute` tokens a minute, at most `burst` saved up. acquire() sleeps until
    a token is free. With burst=1 it is a plain minimum interval between requests."""

    def __init__(
        self,
        rate_per_minute: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate_per_second = rate_per_minute / 60
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens: float = burst
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_second)
        self._updated = now

    def acquire(self) -> None:
        self._refill()
        if self._tokens < 1:
            self._sleep((1 - self._tokens) / self.rate_per_second)
            self._refill()
            # The sleep paid for this token even if the injected clock did not move.
            self._tokens = max(self._tokens, 1)
        self._tokens -= 1


def utc_datetime(seconds: int | Decimal) -> datetime:
    return EPOCH + timedelta(seconds=int(seconds))


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {value!r}")
    return value.astimezone(UTC)


class _JsonPriceSource:
    """The shared request loop: rate limit, retry with backoff, Decimal JSON."""

    name: ClassVar[str]
    source: ClassVar[str]
    backoff_base: ClassVar[float] = 1.0
    backoff_max: ClassVar[float] = 60.0
    max_retry_after: ClassVar[float] = 120.0
    DEFAULT_BASE_URL: ClassVar[str] = ""
    DEFAULT_RATE_PER_MINUTE: ClassVar[float] = 30

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http: httpx.Client | None = None,
        rate_per_minute: float | None = None,
        max_retries: int = 5,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = (base_url or self.DEFAULT_BASE_URL).rstrip("/")
        if rate_per_minute is None:
            rate_per_minute = self.DEFAULT_RATE_PER_MINUTE
        self.max_retries = max_retries
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=5.0),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._sleep = sleep
        self._limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT, "Accept": "application/json"}

    def _backoff(self, attempt: int) -> float:
        delay: float = self.backoff_base * 2**attempt
        return min(delay, self.backoff_max)

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            seconds: float = int(value)
        else:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self.max_retry_after)

    def _get_json(self, path: str, params: Mapping[str, str | int]) -> Any:
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            self._limiter.acquire()
            retry_after: float | None = None
            try:
                response = self._http.get(url, params=dict(params), headers=self._headers())
            except httpx.TimeoutException as exc:
                failure = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                failure = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    failure = f"HTTP {status}"
                    retry_after = self._retry_after(response)
                elif status >= 400:
                    raise PriceSourceRejected(
                        f"{self.name} refused GET {path}: HTTP {status} {response.reason_phrase}"
                        f" — {response.text[:200].strip()}",
                        status_code=status,
                    )
                elif status != 200:
                    raise PriceSourceError(f"{self.name} GET {path}: unexpected HTTP {status}")
                else:
                    return self._decode(response, path)
            if attempt >= self.max_retries:
                raise PriceSourceUnavailable(
                    f"{self.name} GET {path} failed after {attempt + 1} attempts; last error: {failure}"
                )
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            logger.warning(
                "%s GET %s: %s; retry %d of %d in %.1fs",
                self.name,
                path,
                failure,
                attempt + 1,
                self.max_retries,
                delay,
            )
            self._sleep(delay)
            attempt += 1

    def _decode(self, response: httpx.Response, path: str) -> Any:
        try:
            return json.loads(response.text, parse_float=Decimal, parse_int=Decimal)
        except ValueError as exc:
            raise PriceSourceError(f"{self.name} GET {path}: response is not JSON ({exc})") from exc


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class CoinGeckoClient(_JsonPriceSource):
    """CoinGecko v3 (demo/free plan): /simple/price for the latest prices, /coins/markets for market caps,
    /market_chart/range for up to 365 days of history."""

    name = "CoinGecko"
    source = "coingecko"
    BATCH = 50
    HISTORY_DAYS = 365

    def __init__(self, base_url: str, api_key: str, **options: Any) -> None:
        """`options` are the shared request loop's: http, rate_per_minute, max_retries, sleep, clock, timeout."""
        super().__init__(base_url, **options)
        self.api_key = api_key

    @classmethod
    def from_settings(cls, **kwargs: Any) -> CoinGeckoClient:
        from django.conf import settings

        return cls(settings.COINGECKO_BASE_URL, settings.COINGECKO_API_KEY, **kwargs)

    def _headers(self) -> dict[str, str]:
        headers = super()._headers()
        if self.api_key:
            # Paid plans use another host and header name; the demo key goes to the public host.
            header = "x-cg-pro-api-key" if "pro-api." in self.base_url else "x-cg-demo-api-key"
            headers[header] = self.api_key
        return headers

    def latest(self, ids: Sequence[str]) -> dict[str, Quote]:
        """The latest USD price of each id CoinGecko knows; unknown ids are left out of the result."""
        unique = list(dict.fromkeys(i for i in ids if i))
        quotes: dict[str, Quote] = {}
        for batch in _batches(unique, self.BATCH):
            data = self._get_json(
                "/simple/price",
                {"ids": ",".join(batch), "vs_currencies": "usd", "include_last_updated_at": "true"},
            )
            if not isinstance(data, dict):
                raise PriceSourceError(
                    f"{self.name} /simple/price: expected an object, got {type(data).__name__}"
                )
            for coin_id in batch:
                entry = data.get(coin_id)
                if not isinstance(entry, dict) or "usd" not in entry:
                    logger.info("%s has no USD price for %r", self.name, coin_id)
                    continue
                updated = entry.get("last_updated_at")
                at = (
                    utc_datetime(updated)
                    if isinstance(updated, Decimal)
                    else datetime.now(UTC).replace(microsecond=0)
                )
                price = entry["usd"]
                if not isinstance(price, Decimal):
                    log_refused(
                        asset=coin_id, at=at, value=price, reason=f"{self.name} sent a non-numeric price"
                    )
                    continue
                quotes[coin_id] = Quote(asset=coin_id, at=at, price=price, source=self.source)
        return quotes

    def markets(self, ids: Sequence[str]) -> dict[str, Decimal]:
        """The USD market cap of each id from /coins/markets. An id CoinGecko does not list, or lists with
        a null, missing, non-numeric or non-positive cap, is left out (and the number logged)."""
        unique = list(dict.fromkeys(i for i in ids if i))
        caps: dict[str, Decimal] = {}
        for batch in _batches(unique, self.BATCH):
            data = self._get_json(
                "/coins/markets",
                {"vs_currency": "usd", "ids": ",".join(batch), "per_page": len(batch), "page": 1},
            )
            if not isinstance(data, list):
                raise PriceSourceError(
                    f"{self.name} /coins/markets: expected a list, got {type(data).__name__}"
                )
            wanted = set(batch)
            for entry in data:
                coin_id = entry.get("id") if isinstance(entry, dict) else None
                if coin_id not in wanted:
                    continue
                cap = entry.get("market_cap")
                if cap is None:
                    logger.info("%s has no market cap for %r", self.name, coin_id)
                    continue
                if not isinstance(cap, Decimal) or not cap.is_finite() or cap <= 0:
                    logger.warning("%s sent an unusable market cap for %r: %r", self.name, coin_id, cap)
                    continue
                caps[coin_id] = cap
        return caps

    def history(self, id: str, start: datetime, end: datetime) -> list[Quote]:
        """One quote per UTC day between start and end: the day's last point, stored at 00:00 UTC."""
        start = _require_aware(start, "start")
        end = _require_aware(end, "end")
        path = f"/coins/{urlquote(id, safe='')}/market_chart/range"
        data = self._get_json(
            path, {"vs_currency": "usd", "from": int(start.timestamp()), "to": int(end.timestamp())}
        )
        points = data.get("prices") if isinstance(data, dict) else None
        if not isinstance(points, list):
            raise PriceSourceError(f"{self.name} {path}: no 'prices' list in the response")
        last_of_day: dict[date, tuple[Decimal, object]] = {}
        for point in points:
            if not (isinstance(point, list) and len(point) == 2 and isinstance(point[0], Decimal)):
                logger.warning("%s %s: skipped malformed point %r", self.name, path, point)
                continue
            millis, price = point
            day = (EPOCH + timedelta(milliseconds=int(millis))).date()
            if day not in last_of_day or millis >= last_of_day[day][0]:
                last_of_day[day] = (millis, price)
        quotes = []
        for day in sorted(last_of_day):
            millis, price = last_of_day[day]
            if not isinstance(price, Decimal):
                log_refused(
                    asset=id,
                    at=utc_midnight(day),
                    value=price,
                    reason=f"{self.name} sent a non-numeric price",
                )
                continue
            quotes.append(Quote(asset=id, at=utc_midnight(day), price=price, source=self.source))
        return quotes


class CoinbaseClient(_JsonPriceSource):
    """Coinbase Exchange public candles: daily closes for any span (300 candles a request)."""

    name = "Coinbase"
    source = "coinbase"
    DEFAULT_BASE_URL = "https://api.exchange.coinbase.com"
    DEFAULT_RATE_PER_MINUTE = 120
    MAX_CANDLES = 300
    DAY_SECONDS = 86400

    @classmethod
    def from_settings(cls, **kwargs: Any) -> CoinbaseClient:
        from django.conf import settings

        return cls(getattr(settings, "COINBASE_BASE_URL", "") or cls.DEFAULT_BASE_URL, **kwargs)

    def history(self, id: str, start: datetime, end: datetime) -> list[Quote]:
        """Daily closes of `{id}-USD` (id is the symbol, e.g. 'BTC') from start's day through end's day,
        each stored at 00:00 UTC of its day. Days without trading have no candle and no quote."""
        first = _require_aware(start, "start").date()
        last = _require_aware(end, "end").date()
        symbol = id.upper()
        path = f"/products/{urlquote(symbol, safe='')}-USD/candles"
        closes: dict[date, object] = {}
        window_start = first
        while window_start <= last:
            window_end = min(window_start + timedelta(days=self.MAX_CANDLES - 1), last)
            candles = self._get_json(
                path,
                {
                    "granularity": self.DAY_SECONDS,
                    "start": utc_midnight(window_start).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end": utc_midnight(window_end).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
            if not isinstance(candles, list):
                raise PriceSourceError(f"{self.name} {path}: expected a list of candles")
            for candle in candles:
                # [time, low, high, open, close, volume]
                if not (isinstance(candle, list) and len(candle) >= 5 and isinstance(candle[0], Decimal)):
                    logger.warning("%s %s: skipped malformed candle %r", self.name, path, candle)
                    continue
                day = utc_datetime(candle[0]).date()
                if first <= day <= last:
                    closes[day] = candle[4]
            window_start = window_end + timedelta(days=1)
        quotes = []
        for day in sorted(closes):
            price = closes[day]
            if not isinstance(price, Decimal):
                log_refused(
                    asset=symbol,
                    at=utc_midnight(day),
                    value=price,
                    reason=f"{self.name} sent a non-numeric close",
                )
                continue
            quotes.append(Quote(asset=symbol, at=utc_midnight(day), price=price, source=self.source))
        return quotes
