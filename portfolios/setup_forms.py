"""Forms of the setup pages: portfolio settings, accounts and basis-method changes."""

from __future__ import annotations

from django import forms

from portfolios.models.ledger import AccountKind, BasisMethod, BrokerReporting


class PortfolioSettingsForm(forms.Form):
    name = forms.CharField(max_length=100)
    wash_sale_crypto = forms.BooleanField(
        required=False,
        label="Apply wash-sale rules to crypto",
        help_text="Current law does not; switch on to model proposed law. Changing it recomputes your lots.",
    )


class AccountForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=AccountKind.choices,
        help_text="The kind fixes the tax treatment: IRAs and 401(k)s are tax-deferred, Roth accounts and "
        "HSAs tax-free, everything else taxable.",
    )
    custodian = forms.CharField(max_length=100, required=False, help_text="Broker, exchange or wallet.")
    basis_method = forms.ChoiceField(
        choices=BasisMethod.choices,
        label="Basis method",
        help_text="The standing order for which lots a sale takes. Once lots have left the account, change it "
        "from a date on the account's page instead.",
    )
    reporting = forms.ChoiceField(
        choices=BrokerReporting.choices,
        label="Broker reporting",
        help_text="Whether the broker or exchange sends a 1099-B (securities) or 1099-DA (digital assets) and "
        "reports basis: it decides the Form 8949 box.",
    )


class MethodChangeForm(forms.Form):
    method = forms.ChoiceField(choices=BasisMethod.choices, label="New basis method")
    effective_from = forms.DateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Sales on or after this date (your time zone) use the new method; earlier sales keep theirs.",
    )
