"""Form fields of the ledger pages: exact decimals typed as text, times in the owner's zone, lot picks, and
the asset choice (a symbol that is both a coin and a security shows its class)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portfolios.assets import CHOOSABLE_CLASSES, AssetError, ambiguous_symbols, asset_lookup
from portfolios.decimals import exact_text
from portfolios.models import Asset, AssetClass, Portfolio
from portfolios.transaction_checks import EARLIEST

# Sales where the owner may name the lots sold (specific identification).
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
MAX_NUMBER_CHARS = 80


def exact_decimal(text: str) -> Decimal:
    """A number typed as text ("1,234.5", "0.125"), exactly; ValidationError when it is not one."""
    if len(text) > MAX_NUMBER_CHARS:
        raise ValidationError(
            f"Too long for a number (at most {MAX_NUMBER_CHARS} characters).", code="invalid"
        )
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            "%(value)s is not a number; use digits and a dot for decimals (e.g. 0.125).",
            code="invalid",
            params={"value": repr(text)},
        ) from None
    if not number.is_finite():
        raise ValidationError("Enter a finite number.", code="invalid")
    return number


def grouped_text(value: Decimal | None) -> str:
    """exact_text with thousands separators, for reading: 1234567.125 -> "1,234,567.125"."""
    if value is None:
        return ""
    text = format(value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class ExactDecimalFormField(forms.CharField):
    """A decimal typed as text: exact (no float, no browser rounding), any number of places.

    Range and precision rules (positive, at most 18 places) are the service's, reported on this field.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})

    MAX_CHARS = MAX_NUMBER_CHARS

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        return exact_decimal(text) if text else None

    def prepare_value(self, value: Any) -> Any:
        return exact_text(value) if isinstance(value, Decimal) else value


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the owner's time zone, cleaned to an aware datetime (stored as UTC)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")

    def __init__(self, *, tz: tzinfo = UTC, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        # Django interprets a naive input in the current time zone and refuses times that do not exist
        # or happen twice at a DST change; the owner's zone is the one that counts here.
        with timezone.override(self.tz):
            moment = super().to_python(value)
        if moment is None:
            return None
        # A typed offset (-23:59) is kept as UTC: PostgreSQL takes offsets up to 15:59 only.
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                f"Enter a date from {EARLIEST:%Y-%m-%d} to today.", code="invalid"
            ) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self.tz).replace(tzinfo=None)
        return value


@dataclass(frozen=True)
class LotOption:
    """An open lot (all open pieces from one acquisition) that a sale may name."""

    origin_id: int
    account_id: int
    account: str
    asset_id: int
    asset: str
    acquired: date | None
    quantity: Decimal
    basis: Decimal

    @property
    def quantity_text(self) -> str:
        return exact_text(self.quantity)


class LotPicksWidget(forms.Widget):
    """Quantities typed next to each listed lot, posted as `<name>_<origin id>`; the page lays out the rows."""

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> dict[int, str]:
        prefix = f"{name}_"
        picked: dict[int, str] = {}
        for key in data:
            if not key.startswith(prefix):
                continue
            text = str(data.get(key) or "").strip()
            suffix = key[len(prefix) :]
            if text and suffix.isascii() and suffix.isdigit():
                picked[int(suffix)] = text
        return picked

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return False

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:  # pragma: no cover - the page template lays out the rows
        return SafeString("")


class LotPicksField(forms.Field):
    """Specific identification: {origin transaction id: quantity} -> ((origin id, Decimal), ...)."""

    widget = LotPicksWidget

    def __init__(self, *, options: Sequence[LotOption] = (), **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.options = list(options)

    def to_python(self, value: Any) -> tuple[tuple[int, Decimal], ...]:
        if not value:
            return ()
        known = {o.origin_id for o in self.options}
        picks: list[tuple[int, Decimal]] = []
        errors: list[ValidationError] = []
        for origin, text in sorted(dict(value).items()):
            if origin not in known:
                errors.append(
                    ValidationError(
                        f"The lot bought in transaction #{origin} is not an open lot of this account and asset."
                    )
                )
                continue
            try:
                qty = exact_decimal(text)
            except ValidationError as exc:
                errors.append(ValidationError(f"Lot #{origin}: {exc.messages[0]}"))
                continue
            picks.append((origin, qty))
        if errors:
            raise ValidationError(errors)
        return tuple(picks)


@dataclass(frozen=True)
class AssetRequest:
    """A symbol typed where the list had no asset for it, with the class picked ("" = the catalogue's)."""

    symbol: str
    asset_class: str
    also_chosen: bool  # an asset was chosen from the list as well

    def __str__(self) -> str:
        return ""


class AssetChoiceIterator(ModelChoiceIterator):
    """The choices with the class after any symbol that names more than one of them ("T (stock)")."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        assets = list(self.queryset)
        ambiguous = ambiguous_symbols(assets)
        for asset in assets:
            label = asset.label if asset.symbol in ambiguous else asset.symbol
            yield (ModelChoiceIteratorValue(self.field.prepare_value(asset), asset), label)


class AssetSelect(forms.Select):
    """The list of assets, and next to it a symbol to type (with its class) for one not in the list yet."""

    def __init__(self, *args: Any, new_symbols: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_symbols = new_symbols

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        chosen = data.get(name)
        typed = str(data.get(f"{name}_symbol") or "").strip() if self.new_symbols else ""
        if not typed:
            return chosen
        return AssetRequest(typed, str(data.get(f"{name}_class") or ""), also_chosen=bool(chosen))

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return super().value_omitted_from_data(data, files, name) and f"{name}_symbol" not in data

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        typed = value if isinstance(value, AssetRequest) else None
        html = super().render(name, None if typed else value, attrs, renderer)
        if not self.new_symbols:
            return html
        classes = [("", "class from the catalogue")] + [(c, AssetClass(c).label) for c in CHOOSABLE_CLASSES]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((c, " selected" if typed and typed.asset_class == c else "", label) for c, label in classes),
        )
        extra = format_html(
            '<span class="new-asset small">or a symbol not listed '
            '<input type="text" name="{0}_symbol" id="id_{0}_symbol" value="{1}" maxlength="40" '
            'autocomplete="off" spellcheck="false" aria-label="New symbol" size="8"> '
            '<select name="{0}_class" id="id_{0}_class" aria-label="Its class">{2}</select></span>',
            name,
            typed.symbol if typed else "",
            options,
        )
        return SafeString(html + " " + extra)


class AssetChoiceField(forms.ModelChoiceField):
    """An asset the owner sees, chosen from the list, or (with `new_symbols`) named by a typed symbol: one
    the catalogue knows, or any valid symbol with a class picked. A typed symbol is looked up, never
    saved here: the view creates the asset with the transaction, so a rejected form leaves nothing."""

    iterator = AssetChoiceIterator

    def __init__(self, *args: Any, new_symbols: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Asset.objects.none())
        kwargs.setdefault("widget", AssetSelect(new_symbols=new_symbols))
        super().__init__(*args, **kwargs)
        self.portfolio: Portfolio | None = None  # whose owner a typed symbol is looked up for

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, AssetRequest):
            return super().to_python(value)
        if value.also_chosen:
            raise ValidationError("Choose an asset from the list or type a symbol, not both.", code="both")
        try:
            if self.portfolio is None:
                raise AssetError("Choose an asset from the list.")
            owner = self.portfolio.owner
            return asset_lookup(user=owner, symbol=value.symbol, asset_class=value.asset_class or None)
        except AssetError as exc:
            hint = {
                "ambiguous": " Choose it from the list, or pick its class next to the symbol.",
                "unknown": " Pick its class next to the symbol; the new asset is visible to you only.",
            }.get(exc.kind, "")
            raise ValidationError(exc.message + hint, code="asset") from exc
