"""Reading settings from the environment, strictly: a typo must fail at start-up, not quietly mean False.

Any variable can also come from a file (Docker secrets): NAME_FILE=/run/secrets/name instead of NAME.
"""

from __future__ import annotations

import os

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class Env(environ.FileAwareEnv):  # type: ignore[misc]  # django-environ ships no type hints
    def bool(self, var: str, default: object = environ.Env.NOTSET) -> bool:
        raw = os.environ.get(var)
        if raw is None or raw.strip() == "":
            if default is environ.Env.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable (true or false).")
            return bool(default)
        value = raw.strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ImproperlyConfigured(f"{var}={raw!r} is not a boolean: use true/false, yes/no, on/off or 1/0.")
