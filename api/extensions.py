"""Objects the app factory owns for the app's lifetime (the graph store), and how views reach them."""

from __future__ import annotations

import atexit
import logging

from flask import Flask, current_app

from graph.open import open_store
from graph.port import GraphStore
from graph.settings import StoreSettings

STORE_KEY = "bridgework.store"
log = logging.getLogger(__name__)


def init_store(app: Flask, store: GraphStore | None = None) -> GraphStore:
    """Open the configured store (or adopt ``store``) for the app and close it at shutdown."""
    if store is None:
        settings: StoreSettings = app.config["STORE_SETTINGS"]
        store = open_store(settings)
        # The process owns a store it opened: close it (driver pool, SQLite handles) at exit.
        atexit.register(store.close)
    app.extensions[STORE_KEY] = store
    log.info("graph store: %s", store.kind)
    return store


def get_store() -> GraphStore:
    """The current app's graph store."""
    store: GraphStore = current_app.extensions[STORE_KEY]
    return store
