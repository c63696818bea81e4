"""Two-factor sign-in: turning it on with a code, the code step after the password, recovery codes that work
once, throttled and locked-out wrong codes, every page (and the API's session) blocked until verified, and
turning it off or renewing recovery codes with the password or a current code."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from portfolios import two_factor
from portfolios.models import ApiToken
from portfolios.views import security
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def enable(user, clock) -> tuple[TOTPDevice, list[str]]:  # type: ignore[no-untyped-def]
    pending = two_factor.setup_start(user=user)
    device, codes = two_factor.setup_confirm(user=user, code=code_now(pending))
    clock.shift(30)  # a code is accepted once: the next one comes from the next time step
    return device, codes


def password_step(client, username: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login") + (f"?next={quote(next_url)}" if next_url else ""), data)


def test_turning_it_on_shows_the_secret_then_needs_a_code(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    client.force_login(user)
    html = client.get(reverse("account_settings")).content.decode()
    assert "<strong>Off.</strong>" in html
    assert client.get(reverse("two_factor_setup")).url == reverse("account_settings")  # nothing started yet

    assert client.post(reverse("two_factor_start")).url == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup"))
    assert page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert 'src="data:image/svg+xml' in html
    assert "otpauth://totp/Lotwise%3Aalice?secret=" in html
    secret = page.context["setup"].secret
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", secret)  # 20 bytes: 32 base32 characters in fours
    assert secret in html

    wrong = client.post(
        reverse("two_factor_setup"), {"code": "000000" if code_now(device) != "000000" else "111111"}
    )
    assert "That code does not match" in wrong.content.decode()
    assert not two_factor.is_enabled(user)

    clock.shift(2)  # past the one-second wait after a wrong code
    done = client.post(reverse("two_factor_setup"), {"code": code_now(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)
    assert all(code in done.content.decode() for code in codes)
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(
        code.replace("-", "") for code in codes
    )
    assert two_factor.is_enabled(user)
    # This session entered the code, so it goes on working.
    html = client.get(reverse("account_settings")).content.decode()
    assert "<strong>On.</strong>" in html
    assert "10 recovery codes left" in html


def test_login_asks_for_the_code_after_the_password(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    device, _codes = enable(user, clock)
    step = password_step(client, "alice", next_url="/accounts/settings/")
    assert step.status_code == 302
    assert step.url == reverse("two_factor_verify") + "?next=%2Faccounts%2Fsettings%2F"
    assert "_auth_user_id" not in client.session  # not logged in by the password alone
    assert client.get(reverse("portfolios:home")).url.startswith(reverse("login"))

    page = client.get(step.url)
    assert page.status_code == 200
    assert 'name="next" value="/accounts/settings/"' in page.content.decode()
    right = code_now(device)
    refused = client.post(reverse("two_factor_verify"), {"code": "123456" if right != "123456" else "654321"})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    clock.shift(2)
    done = client.post(reverse("two_factor_verify"), {"code": right, "next": "/accounts/settings/"})
    assert done.status_code == 302
    assert done.url == "/accounts/settings/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("portfolios:home")).status_code == 200

    # The same code cannot be replayed for a second sign-in.
    other = Client()
    password_step(other, "alice")
    assert (
        "That code is not right" in other.post(reverse("two_factor_verify"), {"code": right}).content.decode()
    )


def test_a_recovery_code_works_once(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    _device, codes = enable(user, clock)
    password_step(client, "alice")
    done = client.post(
        reverse("two_factor_verify"), {"code": codes[3].upper().replace("-", " ")}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("portfolios:home")
    assert "You signed in with a recovery code, which now no longer works; 9 left" in done.content.decode()
    assert two_factor.recovery_codes_left(user=user) == 9
    client.post(reverse("logout"))

    clock.shift(60)
    password_step(client, "alice")
    again = client.post(reverse("two_factor_verify"), {"code": codes[3]})
    assert "That code is not right" in again.content.decode()
    assert "_auth_user_id" not in client.session
    clock.shift(60)
    assert client.post(reverse("two_factor_verify"), {"code": codes[4]}).status_code == 302


def test_wrong_codes_are_throttled_then_lock_the_login_out(client, clock, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AXES_ENABLED = True
    user = UserFactory(username="alice")
    UserFactory(username="bob")
    device, _codes = enable(user, clock)
    password_step(client, "alice")
    wrong = "000000"
    client.post(reverse("two_factor_verify"), {"code": wrong if code_now(device) != wrong else "111111"})
    # Right away even the right code waits (django-otp's own throttle), and says for how long.
    throttled = client.post(reverse("two_factor_verify"), {"code": code_now(device)})
    assert "Too many wrong codes: wait 1 second and try again." in throttled.content.decode()
    assert "_auth_user_id" not in client.session

    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        clock.shift(60)
        answer = client.post(reverse("two_factor_verify"), {"code": "99999999"})
        assert answer.status_code == 200
    clock.shift(60)
    locked = client.post(reverse("two_factor_verify"), {"code": "99999999"})  # the limit's failure
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert security.PENDING_KEY not in client.session
    # The password alone no longer gets as far as the code step; another user is unaffected.
    assert password_step(client, "alice").status_code == 429
    assert password_step(Client(), "bob").url == reverse("portfolios:home")


def test_every_page_and_the_api_wait_for_the_code(client, clock) -> None:  # type: ignore[no-untyped-def]
    """A session signed in before two-factor sign-in was turned on (elsewhere) must enter a code too."""
    alice = UserFactory(username="alice", is_staff=True, is_superuser=True)
    bob = UserFactory(username="bob")
    portfolio = PortfolioFactory(owner=alice)
    session = Client()
    session.force_login(alice)
    assert session.get(reverse("portfolios:dashboard", args=[portfolio.pk])).status_code == 200
    device, _codes = enable(alice, clock)

    dashboard = reverse("portfolios:dashboard", args=[portfolio.pk])
    blocked = session.get(dashboard)
    assert blocked.status_code == 302
    assert blocked.url == reverse("two_factor_verify") + "?next=" + dashboard
    for name in (
        "account_settings",
        "password_change",
        "two_factor_disable",
        "account_export",
        "admin:index",
    ):
        assert session.get(reverse(name)).url.startswith(reverse("two_factor_verify")), name
    assert session.post(reverse("api_token_create"), {"name": "sneaky"}).url.startswith(
        reverse("two_factor_verify")
    )
    assert session.get("/api/portfolios/").status_code in (401, 403)
    assert session.post("/api/tokens/", {"name": "sneaky"}, content_type="application/json").status_code in (
        401,
        403,
    )
    assert not ApiToken.objects.exists()
    assert session.get(reverse("password_reset")).status_code == 200  # public pages stay public
    assert session.get(reverse("two_factor_verify")).status_code == 200

    # Bob, without two-factor sign-in, is not asked for anything.
    other = Client()
    other.force_login(bob)
    assert other.get(reverse("account_settings")).status_code == 200
    assert other.get("/api/portfolios/").json()["results"] == []

    done = session.post(reverse("two_factor_verify"), {"code": code_now(device), "next": dashboard})
    assert done.url == dashboard
    assert session.get(dashboard).status_code == 200
    assert [p["name"] for p in session.get("/api/portfolios/").json()["results"]] == [portfolio.name]


def test_logout_works_before_the_code(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    client.force_login(user)
    enable(user, clock)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_basic_auth_with_the_password_is_refused_once_two_factor_is_on(clock) -> None:  # type: ignore[no-untyped-def]
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode())
    assert api.get("/api/portfolios/").status_code == 200
    enable(alice, clock)
    refused = api.get("/api/portfolios/")
    assert refused.status_code == 401
    assert "use an API token" in refused.json()["detail"]
    bob = APIClient()
    bob.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"bob:{PASSWORD}".encode()).decode())
    assert bob.get("/api/portfolios/").status_code == 200


def test_the_code_step_expires_and_keeps_only_local_next(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    device, _codes = enable(user, clock)
    password_step(client, "alice")
    evil = client.post(
        reverse("two_factor_verify"), {"code": code_now(device), "next": "https://evil.example/"}
    )
    assert evil.url == reverse("portfolios:home")
    client.post(reverse("logout"))

    clock.shift(60)
    password_step(client, "alice")
    clock.shift(11 * 60)
    late = client.post(reverse("two_factor_verify"), {"code": code_now(device)})
    assert late.status_code == 302
    assert late.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_new_recovery_codes_need_the_password_or_a_current_code(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    client.force_login(user)
    client.post(reverse("two_factor_start"))
    device = TOTPDevice.objects.get(user=user)
    old = client.post(reverse("two_factor_setup"), {"code": code_now(device)}).context["codes"]
    clock.shift(30)

    url = reverse("two_factor_recovery_codes")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"password": "not my password"})
    assert "That password is not right." in refused.content.decode()
    assert two_factor.recovery_codes_left(user=user) == 10

    new = client.post(url, {"password": PASSWORD})
    assert "Your earlier" in new.content.decode()
    fresh = new.context["codes"]
    assert len(fresh) == 10
    assert not set(fresh) & set(old)
    assert two_factor.verify(user=user, code=old[0]).device is None
    clock.shift(60)
    assert client.post(url, {"password": code_now(device)}).context["codes"] != fresh
    # The session stays verified through all this.
    assert client.get(reverse("account_settings")).status_code == 200


def test_turning_it_off_needs_the_password_or_a_current_code(client, clock) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    client.force_login(user)
    client.post(reverse("two_factor_start"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("two_factor_setup"), {"code": code_now(device)})
    used = code_now(device)
    clock.shift(30)

    url = reverse("two_factor_disable")
    assert "That code is not right" in client.post(url, {"password": used}).content.decode()  # already used
    assert two_factor.is_enabled(user)
    clock.shift(60)
    done = client.post(url, {"password": code_now(device)})
    assert done.url == reverse("account_settings")
    assert not two_factor.is_enabled(user)
    assert TOTPDevice.objects.filter(user=user).count() == 0
    assert two_factor.recovery_codes_left(user=user) == 0
    assert "<strong>Off.</strong>" in client.get(reverse("account_settings")).content.decode()
    # Signing in needs the password only again.
    fresh = Client()
    assert password_step(fresh, "alice").url == reverse("portfolios:home")


def test_one_users_two_factor_is_theirs_alone(client, clock) -> None:  # type: ignore[no-untyped-def]
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    client.force_login(alice)
    client.post(reverse("two_factor_start"))
    alice_secret = client.get(reverse("two_factor_setup")).context["setup"].secret

    other = Client()
    other.force_login(bob)
    # Bob has nothing pending: he sees no secret, let alone Alice's, and cannot confirm hers.
    assert other.get(reverse("two_factor_setup")).url == reverse("account_settings")
    device = TOTPDevice.objects.get(user=alice)
    assert other.post(reverse("two_factor_setup"), {"code": code_now(device)}).url == reverse(
        "account_settings"
    )
    assert not two_factor.is_enabled(alice)
    assert not two_factor.is_enabled(bob)
    other.post(reverse("two_factor_start"))
    assert other.get(reverse("two_factor_setup")).context["setup"].secret != alice_secret
    assert other.get(reverse("two_factor_disable")).url == reverse("account_settings")
