"""Log in (with the demo credentials when they still work), sign up (when the operator allows it), and the
user's own settings (time zone, email).

Logout is Django's view saying so on the login page; password change and reset are Django's own views
(config/urls.py includes them). A user with two-factor sign-in enters a code after the password
(portfolios/views/security.py).
"""

from __future__ import annotations

import hashlib
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode

from portfolios import two_factor
from portfolios.account_services import user_timezone_update
from portfolios.backup import account_is_empty
from portfolios.demo import DEMO_PASSWORD, DEMO_USERNAME
from portfolios.models import User
from portfolios.views import security
from portfolios.views.backup import RestoreForm


def demo_credentials() -> tuple[str, str] | None:
    """The demo login, if the demo user exists and still has the demo password.

    Checking a password costs a deliberate ~0.1-0.5 s of hashing, so the answer is cached under the stored
    hash: a changed password (a new hash) is checked once again, an unchanged one never."""
    user = get_user_model().objects.filter(username=DEMO_USERNAME, is_active=True).only("password").first()
    if user is None or not user.password:
        return None
    key = "lotwise:demo-login:" + hashlib.sha256(user.password.encode()).hexdigest()
    works = cache.get(key)
    if works is None:
        works = user.check_password(DEMO_PASSWORD)
        cache.set(key, works, timeout=None)
    return (DEMO_USERNAME, DEMO_PASSWORD) if works else None


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor.is_enabled(user):
            return super().form_valid(form)
        # The password was right; the code step logs the user in (portfolios/views/security.py).
        security.begin_pending(self.request, user)
        next_url = self.get_redirect_url()
        query = "?" + urlencode({"next": next_url}) if next_url else ""
        return redirect(reverse("two_factor_verify") + query)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo"] = demo_credentials()
        return ctx


@method_decorator(two_factor.two_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so it travels in the message cookie to the login page.
        if was_in:
            messages.info(request, "You are logged out.")
        return response


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For password resets.")

    class Meta:
        # UserCreationForm's Meta names django.contrib.auth's User; ours is portfolios.User.
        model = get_user_model()
        fields = ("username", "email")
        field_classes = {"username": UsernameField}


@login_not_required
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is switched off on this server.")
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})


def _timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


class SettingsForm(forms.Form):
    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Decides the date of every transaction for tax purposes (and so holding periods and tax years).",
    )
    email = forms.EmailField(label="Email", required=False, help_text="For password resets.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezone_choices()  # type: ignore[attr-defined]


def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = SettingsForm(request.POST or None, initial={"timezone": user.timezone, "email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            recomputed = user_timezone_update(user=user, timezone_name=form.cleaned_data["timezone"])
        except ValidationError as exc:
            form.add_error("timezone", exc.messages[0])
        else:
            if user.email != form.cleaned_data["email"]:
                user.email = form.cleaned_data["email"]
                user.save(update_fields=["email"])
            note = (
                f" Lots of {recomputed} portfolio(s) recomputed for the new time zone." if recomputed else ""
            )
            messages.success(request, "Settings saved." + note)
            return redirect("account_settings")
    restore = RestoreForm() if account_is_empty(user=user) else None
    return render(
        request,
        "registration/settings.html",
        {"form": form, "restore_form": restore, **security.settings_context(user)},
    )
