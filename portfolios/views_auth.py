"""Log in (with the demo credentials when they still work) and sign up (when the operator allows it).

Logout, password change and password reset are Django's own views (config/urls.py includes them).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portfolios.demo import DEMO_PASSWORD, DEMO_USERNAME


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

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo"] = demo_credentials()
        return ctx


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
