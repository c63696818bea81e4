"""/api/ lists the endpoints; the schema is shown as a page (Swagger UI) served from our own files."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(UserFactory(username="alice"))
    return client


def test_api_root_lists_every_endpoint(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    links = response.json()
    assert links["portfolios"] == "http://testserver/api/portfolios/"
    for name in ("accounts", "transactions", "lots", "disposals"):
        assert links[name] == f"http://testserver/api/portfolios/{{portfolio_id}}/{name}/"
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["docs"] == "http://testserver/api/docs/"
    assert "redoc" not in links  # Redoc loads a logo from a third party: only Swagger UI is served
    # Other apps' endpoints under /api/ are listed too.
    assert links["tax-summary"] == "http://testserver/api/taxes/{year}/summary/"
    assert "portfolio" not in links  # one entry per collection, not per object
    # Every listed address answers (the scoped ones once a portfolio id is put in).
    portfolio = api.post("/api/portfolios/", {"name": "Main"}, format="json").json()
    for name, url in links.items():
        path = url.removeprefix("http://testserver").replace("{portfolio_id}", str(portfolio["id"]))
        path = path.replace("{year}", "2024").replace("{fmt}", "csv")
        response = api.get(path)
        if name == "snapshot":  # a new portfolio has none until the workers compute it
            assert response.status_code == 404, name
            assert "no snapshot yet" in response.json()["detail"]
        else:
            assert response.status_code == 200, name


def test_api_root_is_browsable(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Api Root" in html or "API Root" in html or "Lotwise" in html
    assert "/api/portfolios/" in html


def test_api_root_needs_a_login() -> None:
    response = APIClient().get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code in (302, 401, 403)


def test_swagger_ui_is_served_from_our_static_files(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    # Swagger UI's start-up script comes from its own URL, not inline (the Content-Security-Policy).
    assert "<script>" not in html
    assert '<script src="/api/docs/?script="></script>' in html
    script = api.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert "drf_spectacular_sidecar" in settings.INSTALLED_APPS


def test_schema_is_still_served(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi:" in response.content
    assert b"/api/portfolios/{portfolio_id}/transactions/" in response.content
