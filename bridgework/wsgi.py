"""WSGI entry point for gunicorn: ``gunicorn 'bridgework.wsgi:app'``."""

from __future__ import annotations

import sys

from bridgework import create_app
from graph.settings import SettingError

try:
    app = create_app()
except SettingError as exc:  # a plain message, not a traceback, for a bad setting
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
