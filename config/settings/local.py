"""Embedded default for a first run on a bare machine: SQLite, filesystem Celery broker, debug on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Hashed file names (cached for a year by browsers) and precompressed copies, as in production. With
# DEBUG on, Django links the plain names and whitenoise serves the source folders as they change; with it
# off, pages link the hashed names, so `manage.py serve` runs collectstatic when the files changed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-secret")
