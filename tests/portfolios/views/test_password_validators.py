"""Django's four password validators are on: sign-up and password change refuse a weak password with the
validator's own message and keep the old one."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from portfolios.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"

WEAK = [
    ("Zq7!xw", "This password is too short. It must contain at least 10 characters."),
    ("password123", "This password is too common."),
    ("8164920375", "This password is entirely numeric."),
    ("newbie12345", "The password is too similar to the username."),
]


def test_all_four_validators_are_configured() -> None:
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] == {"min_length": 10}


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_signup_refuses_a_weak_password(client, settings, password: str, message: str) -> None:  # type: ignore[no-untyped-def]
    settings.SIGNUP_ENABLED = True
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "email": "newbie@example.com", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_password_change_refuses_a_weak_password(client, password: str, message: str) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="newbie")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_long_uncommon_password_is_accepted(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="newbie")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "plum kettle orbit 91",
            "new_password2": "plum kettle orbit 91",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("plum kettle orbit 91")
