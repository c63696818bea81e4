"""Settings for the test suite. DATABASE_URL and REDIS_URL still come from the environment."""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Serve static files from the source folders; no collectstatic needed outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else"
# Login throttling is exercised by its own test, which turns it back on.
AXES_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so worker processes started by the integration tests see the same database.
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    # One file per test run, so parallel runs on one machine do not share (and destroy) a database.
    _test_db = env.str("TEST_SQLITE_FILE", default=str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3"))  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": _test_db}  # noqa: F405

if not REDIS_URL:  # noqa: F405
    # Tasks enqueued by tests without Redis go nowhere rather than into the embedded default's queue folder.
    CELERY_BROKER_URL = "memory://"

# Live-server threads must not keep connections open past a test (the test database is dropped at the end).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
