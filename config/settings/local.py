"""Embedded default for a first run on a bare machine: SQLite, filesystem Celery broker, debug on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Serve static files from the source folders; no collectstatic needed outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-secret")
