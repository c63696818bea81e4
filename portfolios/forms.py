"""Forms of the ledger pages. They parse input into the service's data classes; the rules live in services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone

from portfolios.assets import visible_to
from portfolios.decimals import exact_text
from portfolios.form_fields import AssetChoiceField as AssetChoiceField
from portfolios.form_fields import AssetChoiceIterator as AssetChoiceIterator
from portfolios.form_fields import AssetRequest as AssetRequest
from portfolios.form_fields import AssetSelect as AssetSelect
from portfolios.form_fields import ExactDecimalFormField as ExactDecimalFormField
from portfolios.form_fields import LocalDateTimeField as LocalDateTimeField
from portfolios.form_fields import LotOption as LotOption
from portfolios.form_fields import LotPicksField as LotPicksField
from portfolios.form_fields import LotPicksWidget as LotPicksWidget

# Sales where the owner may name the lots sold (specific identification).
# The fields live in form_fields; the names other modules use are re-exported here.
from portfolios.form_fields import grouped_text as grouped_text
from portfolios.importers.text import UnreadableFile, decoded
from portfolios.models import Account, Asset, Portfolio, Transaction, TransactionType
from portfolios.models.ledger import REQUIRED_FIELDS, TYPE_FIELDS, TYPED_INPUTS, BasisMethod
from portfolios.services import TransactionData

LOT_PICK_TYPES = frozenset({TransactionType.SELL, TransactionType.TRADE})
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class TransactionForm(forms.Form):
    """One form per transaction type: only the inputs that type uses (TYPE_FIELDS) are fields."""

    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label=None)
    timestamp = LocalDateTimeField(label="Date and time")
    asset = AssetChoiceField(required=False, new_symbols=True)
    quantity = ExactDecimalFormField()
    unit_price = ExactDecimalFormField(
        required=False, label="Unit price (USD)", help_text="Fair value per unit."
    )
    fee = ExactDecimalFormField(required=False, label="Fee (USD)")
    counter_asset = AssetChoiceField(
        required=False, new_symbols=True, label="Received asset", help_text="The asset bought."
    )
    counter_quantity = ExactDecimalFormField(required=False, label="Received quantity")
    to_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, label="To account")
    acquired_at = forms.DateField(
        required=False,
        label="Donor's acquisition date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    cost_basis = ExactDecimalFormField(required=False, label="Donor's cost basis (USD)")
    lot_picks = LotPicksField(label="Lots sold (specific identification)")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        portfolio: Portfolio,
        tx_type: str,
        tz: tzinfo | None = None,
        lot_options: Sequence[LotOption] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tx_type = TransactionType(tx_type)
        self.tz = tz or UTC
        wanted = TYPE_FIELDS[self.tx_type]
        required = REQUIRED_FIELDS[self.tx_type]
        for name in TYPED_INPUTS:
            if name not in wanted:
                del self.fields[name]
            elif name in required:
                # The browser's hint only: whether a value is required is the service's rule.
                self.fields[name].widget.attrs["required"] = True
        if self.tx_type not in LOT_PICK_TYPES:
            del self.fields["lot_picks"]
        else:
            self.fields["lot_picks"].options = list(lot_options)  # type: ignore[attr-defined]
        accounts = Account.objects.filter(portfolio=portfolio).order_by("name", "id")
        # Catalogue assets and the owner's own: another user's private asset is never offered.
        assets = Asset.objects.filter(visible_to(portfolio.owner_id)).order_by("symbol", "asset_class", "id")
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        for name, queryset in (("asset", assets), ("counter_asset", assets), ("to_account", accounts)):
            if name in self.fields:
                self.fields[name].queryset = queryset  # type: ignore[attr-defined]
        for name in ("asset", "counter_asset"):
            field = self.fields.get(name)
            if isinstance(field, AssetChoiceField):
                field.portfolio = portfolio
        timestamp = self.fields["timestamp"]
        assert isinstance(timestamp, LocalDateTimeField)
        timestamp.tz = self.tz
        timestamp.help_text = f"In your time zone, {self.tz}."

    @property
    def lot_options(self) -> list[LotOption]:
        field = self.fields.get("lot_picks")
        return field.options if isinstance(field, LotPicksField) else []

    def lot_rows(self) -> list[tuple[LotOption, str]]:
        """Each listed lot with the quantity typed (or stored) for it."""
        if "lot_picks" not in self.fields:
            return []
        value = self["lot_picks"].value()
        typed: dict[int, str] = {}
        if isinstance(value, dict):
            typed = {int(k): str(v) for k, v in value.items()}
        elif value:
            typed = {int(o): exact_text(q) for o, q in value}
        return [(o, typed.get(o.origin_id, "")) for o in self.lot_options]

    def to_data(self, *, external_id: str = "") -> TransactionData:
        return self._data(self.cleaned_data, external_id=external_id)

    def readable_data(self) -> tuple[TransactionData, frozenset[str]] | None:
        """After is_valid() failed: what could be read, so the service can judge it too (an oversell next
        to a mistyped fee), and the names of the inputs that could not, which hold placeholders.
        None without an account to judge against."""
        c = dict(self.cleaned_data)
        if c.get("account") is None:
            return None
        unreadable = frozenset(name for name in self.errors if name in self.fields)
        # A typed symbol's asset is not stored until the transaction is: no trial can be written with it.
        unreadable |= {
            n for n in ("asset", "counter_asset") if isinstance(c.get(n), Asset) and c[n].pk is None
        }
        c.setdefault("timestamp", timezone.now())
        c.setdefault("quantity", Decimal(0))
        return self._data(c, external_id=""), unreadable

    def _data(self, c: Mapping[str, Any], *, external_id: str) -> TransactionData:
        return TransactionData(
            account=c["account"],
            type=self.tx_type,
            timestamp=c["timestamp"],
            quantity=c["quantity"],
            asset=c.get("asset"),
            unit_price=c.get("unit_price"),
            fee=c.get("fee") or Decimal(0),
            counter_asset=c.get("counter_asset"),
            counter_quantity=c.get("counter_quantity"),
            to_account=c.get("to_account"),
            acquired_at=c.get("acquired_at"),
            cost_basis=c.get("cost_basis"),
            external_id=external_id,
            notes=c.get("notes", ""),
            lot_picks=c.get("lot_picks") or (),
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's errors on the fields they name; the rest above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, errors in exc.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            if name == NON_FIELD_ERRORS:
                self.add_error(None, messages)
            elif name in self.fields:
                self.add_error(name, messages)
            else:
                label = name.replace("_", " ").capitalize()
                self.add_error(None, [f"{label}: {m}" for m in messages])


def transaction_initial(tx: Transaction, picks: Sequence[tuple[int, Decimal]]) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(tx, name) for name in TYPED_INPUTS}
    initial.update(account=tx.account, timestamp=tx.timestamp, notes=tx.notes, lot_picks=tuple(picks))
    if not tx.fee:
        initial["fee"] = None
    return initial


class TransactionTypeForm(forms.Form):
    type = forms.ChoiceField(choices=TransactionType.choices, label="Type")


class TransactionFilterForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, empty_label="All accounts"
    )
    asset = AssetChoiceField(required=False, empty_label="All assets")
    type = forms.ChoiceField(choices=[("", "All types"), *TransactionType.choices], required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, portfolio: Portfolio, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz or UTC
        self.fields["account"].queryset = Account.objects.filter(portfolio=portfolio)  # type: ignore[attr-defined]
        ledger = Transaction.objects.filter(portfolio=portfolio)
        used = Q(pk__in=ledger.values("asset_id")) | Q(pk__in=ledger.values("counter_asset_id"))
        self.fields["asset"].queryset = Asset.objects.filter(used)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def utc_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC covering the chosen dates in the owner's time zone (both inclusive)."""
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

        return (
            midnight(start) if start else None,
            midnight(end + timedelta(days=1)) if end else None,
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="The Lotwise CSV format (UTF-8), at most 20 MB.")
    portfolio = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Portfolio")
    new_portfolio = forms.CharField(
        required=False, max_length=100, label="…or a new portfolio named", help_text="Created on import."
    )
    basis_method = forms.ChoiceField(
        choices=BasisMethod.choices,
        initial=BasisMethod.FIFO,
        label="Basis method for new accounts",
        help_text="Accounts the file names that do not exist yet are created taxable with this method.",
    )

    def __init__(self, *args: Any, portfolios: Sequence[Portfolio], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.portfolios = {p.pk: p for p in portfolios}
        choices = [(p.pk, p.name) for p in portfolios]
        self.fields["portfolio"].choices = [("", "— new portfolio —"), *choices]  # type: ignore[attr-defined]
        if portfolios:
            self.fields["portfolio"].initial = portfolios[0].pk
        else:
            self.fields["new_portfolio"].initial = "Main"

    def clean_file(self) -> str:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 20 MB; split it into several imports.")
        try:
            text = decoded(upload.read())
        except UnreadableFile as exc:
            raise ValidationError([str(e) for e in exc.errors]) from None
        self.filename = upload.name or ""
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("portfolio")
        new_name = (cleaned.get("new_portfolio") or "").strip()
        if chosen is not None and chosen not in self.portfolios:
            self.add_error("portfolio", "Choose one of your portfolios.")
        elif chosen is not None and new_name:
            self.add_error("new_portfolio", "Either choose a portfolio or name a new one, not both.")
        elif chosen is None and not new_name:
            self.add_error("new_portfolio", "Name the new portfolio (or choose an existing one).")
        else:
            cleaned["portfolio_name"] = self.portfolios[chosen].name if chosen is not None else new_name
        return cleaned
