"""API tokens: made in Settings (key shown once, only its hash stored), listed with name, prefix, made and
last used, revoked from Settings or the API; `Token` and `Bearer` headers authenticate; a revoked or unknown
token is a 401; one user never sees or revokes another's tokens (404)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from rest_framework.test import APIClient

from portfolios import two_factor
from portfolios.models import ApiToken
from portfolios.tokens import token_create
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def alice():  # type: ignore[no-untyped-def]
    return UserFactory(username="alice")


@pytest.fixture
def bob():  # type: ignore[no-untyped-def]
    return UserFactory(username="bob")


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def with_token(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def test_a_token_made_in_settings_is_shown_once_and_stored_as_a_hash(alice) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(alice)
    made = client.post(reverse("api_token_create"), {"name": "nightly export"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    key = made.context["key"]
    assert key.startswith("lw_")
    assert len(key) == 46
    assert key in made.content.decode()
    token = ApiToken.objects.get(user=alice)
    assert token.name == "nightly export"
    assert token.prefix == key[:11]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())

    html = client.get(reverse("account_settings")).content.decode()
    assert "nightly export" in html
    assert f"<code>{token.prefix}…</code>" in html
    assert key not in html  # never shown again
    assert "never" in html
    assert f'action="{reverse("api_token_revoke", args=[token.pk])}"' in html


def test_token_and_bearer_headers_act_as_the_owner(alice, bob) -> None:  # type: ignore[no-untyped-def]
    PortfolioFactory(owner=alice, name="Alice's")
    PortfolioFactory(owner=bob, name="Bob's")
    key = token_create(user=alice, name="script").key
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False):
        for keyword in ("Token", "Bearer", "bearer"):
            response = with_token(key, keyword).get("/api/portfolios/")
            assert response.status_code == 200
            assert [p["name"] for p in response.json()["results"]] == ["Alice's"]
    token = ApiToken.objects.get(user=alice)
    assert token.last_used_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    html = signed_in(alice).get(reverse("account_settings")).content.decode()
    assert "2026-05-01 12:00" in html
    # A token is for the API only: it signs in to no page.
    page = Client().get(reverse("portfolios:home"), HTTP_AUTHORIZATION=f"Token {key}")
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


def test_unknown_malformed_and_revoked_tokens_get_401(alice) -> None:  # type: ignore[no-untyped-def]
    made = token_create(user=alice, name="nightly-sync")
    for header in ("Token lw_not-a-real-key", "Bearer", "Token two parts", "Bearer abc"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/portfolios/")
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == 'Token realm="api"'

    assert with_token(made.key).get("/api/portfolios/").status_code == 200
    client = signed_in(alice)
    revoked = client.post(reverse("api_token_revoke", args=[made.token.pk]), follow=True)
    assert f"Token “nightly-sync” ({made.token.prefix}…) revoked" in revoked.content.decode()
    assert "revoked: it no longer works" in revoked.content.decode()
    response = with_token(made.key).get("/api/portfolios/")
    assert response.status_code == 401
    assert response.json() == {"detail": "This token is not valid or has been revoked."}
    assert "nightly-sync" not in client.get(reverse("account_settings")).content.decode()
    # Revoking twice is a 404, not an error page.
    assert client.post(reverse("api_token_revoke", args=[made.token.pk])).status_code == 404


def test_a_token_of_an_inactive_user_gets_401(alice) -> None:  # type: ignore[no-untyped-def]
    key = token_create(user=alice, name="script").key
    alice.is_active = False
    alice.save()
    assert with_token(key).get("/api/portfolios/").status_code == 401


def test_one_user_never_sees_or_revokes_anothers_tokens(alice, bob) -> None:  # type: ignore[no-untyped-def]
    alices = token_create(user=alice, name="alice's script")
    bobs = token_create(user=bob, name="bob's script")
    bob_client = signed_in(bob)
    html = bob_client.get(reverse("account_settings")).content.decode()
    assert "bob&#x27;s script" in html
    assert "alice&#x27;s script" not in html
    assert alices.token.prefix not in html
    assert bob_client.post(reverse("api_token_revoke", args=[alices.token.pk])).status_code == 404

    bob_api = APIClient()
    bob_api.force_login(bob)
    listed = bob_api.get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["bob's script"]
    assert bob_api.delete(f"/api/tokens/{alices.token.pk}/").status_code == 404
    assert with_token(bobs.key).delete(f"/api/tokens/{alices.token.pk}/").status_code == 404
    assert with_token(alices.key).get("/api/portfolios/").status_code == 200
    assert ApiToken.objects.get(pk=alices.token.pk).revoked_at is None


def test_the_api_lists_makes_and_revokes_ones_own_tokens(alice) -> None:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_login(alice)
    made = api.post("/api/tokens/", {"name": "from the api"}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"id", "name", "prefix", "created_at", "last_used_at", "key"}
    assert body["name"] == "from the api"
    assert body["key"].startswith(body["prefix"])
    assert body["last_used_at"] is None

    listed = api.get("/api/tokens/").json()["results"]
    assert listed == [{k: v for k, v in body.items() if k != "key"}]

    # A token (or a password) cannot mint more tokens; it can list and revoke.
    scripted = with_token(body["key"])
    refused = scripted.post("/api/tokens/", {"name": "more"}, format="json")
    assert refused.status_code == 403
    assert "signed-in session" in refused.json()["detail"]
    assert [t["name"] for t in scripted.get("/api/tokens/").json()["results"]] == ["from the api"]

    assert api.post("/api/tokens/", {"name": "  "}, format="json").status_code == 400
    assert api.post("/api/tokens/", {"name": "x" * 101}, format="json").status_code == 400
    assert api.delete(f"/api/tokens/{body['id']}/").status_code == 204
    assert scripted.get("/api/tokens/").status_code == 401
    assert api.get("/api/tokens/").json()["results"] == []


def test_a_token_needs_a_name_on_the_settings_page(alice) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(alice).post(reverse("api_token_create"), {"name": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()
    assert signed_in(alice).get(reverse("api_token_create")).status_code == 405


def test_a_token_works_for_a_two_factor_user_without_a_code(alice) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False):
        device = two_factor.setup_start(user=alice)
        code = f"{totp(device.bin_key):06d}"
        assert two_factor.setup_confirm(user=alice, code=code) is not None
    key = token_create(user=alice, name="script").key
    assert with_token(key, "Bearer").get("/api/portfolios/").status_code == 200


def test_the_schema_documents_token_authentication(alice) -> None:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_login(alice)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "http"
    assert schemes["tokenAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["basicAuth"]["scheme"] == "basic"
    assert {"tokenAuth": []} in schema["paths"]["/api/portfolios/"]["get"]["security"]
    assert set(schema["paths"]["/api/tokens/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/tokens/{id}/"]) == {"delete"}
