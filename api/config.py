"""Application settings, read from the environment once, in the app factory."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any

from graph.settings import SettingError, StoreSettings

ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

log = logging.getLogger(__name__)


def from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from ``BRIDGEWORK_*`` and ``NEO4J_*`` variables.

    Raises :class:`~graph.settings.SettingError` naming the variable when a value cannot work.
    """
    env = os.environ if env is None else env
    environment = (env.get("BRIDGEWORK_ENV") or "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise SettingError("BRIDGEWORK_ENV", f"must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    secret = env.get("BRIDGEWORK_SECRET_KEY") or ""
    if not secret:
        if environment == "production":
            raise SettingError("BRIDGEWORK_SECRET_KEY", "must be set in production (a long random string)")
        # A per-process key: sessions do not survive a restart, which is fine for development.
        secret = secrets.token_hex(32)
    elif environment == "production" and len(secret) < 32:
        raise SettingError("BRIDGEWORK_SECRET_KEY", "must be at least 32 characters in production")
    level = (env.get("BRIDGEWORK_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise SettingError("BRIDGEWORK_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return {
        "BRIDGEWORK_ENV": environment,
        "SECRET_KEY": secret,
        "LOG_LEVEL": level,
        "STORE_SETTINGS": StoreSettings.from_env(env),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
