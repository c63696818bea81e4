"""Login, logout, password change and reset, sign-up on/off, public pages under LoginRequiredMiddleware,
and the demo credentials on the login page only while they work."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from portfolios.demo import DEMO_PASSWORD, DEMO_USERNAME
from portfolios.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_login_page_is_public_and_labelled(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_login_then_home_then_logout(client):
    user = UserFactory(username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("portfolios:home")
    assert client.get(reverse("portfolios:home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("portfolios:home")).status_code == 302
    assert user.pk


def test_bad_password_is_refused(client):
    UserFactory(username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_redirects_to_next(client):
    UserFactory(username="alice")
    response = client.post(
        reverse("login") + "?next=/portfolios/1/lots/",
        {"username": "alice", "password": PASSWORD, "next": "/portfolios/1/lots/"},
    )
    assert response.url == "/portfolios/1/lots/"


def test_demo_credentials_shown_only_while_they_work(client):
    assert "Demo login" not in client.get(reverse("login")).content.decode()
    demo = User.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
    html = client.get(reverse("login")).content.decode()
    assert "Demo login" in html
    assert DEMO_PASSWORD in html
    demo.set_password("something private now")
    demo.save()
    assert DEMO_PASSWORD not in client.get(reverse("login")).content.decode()


def test_demo_password_checked_once_per_stored_hash(client, monkeypatch):
    User.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
    calls = []
    real = User.check_password

    def counting(self, raw):
        calls.append(raw)
        return real(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    for _ in range(3):
        assert DEMO_PASSWORD in client.get(reverse("login")).content.decode()
    assert len(calls) == 1


def test_signup_enabled_creates_user_and_logs_in(client, settings):
    settings.SIGNUP_ENABLED = True
    assert "Sign up" in client.get(reverse("login")).content.decode()
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    assert '<label for="id_email">' in response.content.decode()
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("portfolios:home")
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.com"
    assert client.get(reverse("portfolios:home")).wsgi_request.user == user


def test_signup_rejects_mismatched_passwords(client, settings):
    settings.SIGNUP_ENABLED = True
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "email": "n@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()


def test_signup_disabled_is_404_and_link_hidden(client, settings):
    settings.SIGNUP_ENABLED = False
    assert client.get(reverse("signup")).status_code == 404
    response = client.post(
        reverse("signup"),
        {"username": "sneaky", "email": "s@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="sneaky").exists()
    html = client.get(reverse("login")).content.decode()
    assert "Sign up" not in html
    assert reverse("signup") not in html


def test_password_change(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a much newer secret 42",
            "new_password2": "a much newer secret 42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much newer secret 42")


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_reset_by_email(client):
    user = UserFactory(username="alice", email="alice@example.com")
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Lotwise password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)  # the token moves into the session
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "reset secret 12345", "new_password2": "reset secret 12345"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("reset secret 12345")
    assert client.get(reverse("password_reset_complete")).status_code == 200


def test_password_reset_for_unknown_email_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_repeated_failures_lock_the_login_out(client, settings):  # type: ignore[no-untyped-def]
    """After AXES_FAILURE_LIMIT failures even the right password is refused for a while; others are unaffected."""
    settings.AXES_ENABLED = True
    UserFactory(username="alice", password=PASSWORD)
    UserFactory(username="bob", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "alice", "password": "wrong"}).status_code == 200
    # the failure that reaches the limit is the first one answered with the lockout
    assert client.post(reverse("login"), {"username": "alice", "password": "wrong"}).status_code == 429
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert other.status_code == 302
