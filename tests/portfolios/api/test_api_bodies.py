"""Bodies no endpoint can use are a 400 on every endpoint, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("url", ["/api/portfolios/", "/api/assets/"])
def test_json_nested_too_deeply_is_a_400(url: str) -> None:
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.post(url, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON parse error - the document is nested too deeply."
