"""The one place that chooses and opens a store: it sits above both adapters and the settings they read.

``graph.settings`` only reads and checks the environment; the adapters import it (for
:class:`~graph.settings.SettingError`), so opening a store lives here, where importing both
adapters makes no circle.
"""

from __future__ import annotations

from graph.port import GraphStore, Unavailable
from graph.settings import SettingError, StoreSettings


def open_store(settings: StoreSettings) -> GraphStore:
    """Open the configured store and check it answers.

    Raises :class:`SettingError` naming the setting to fix when the store cannot
    be opened (an unreachable ``NEO4J_URI``, an unwritable data directory).
    """
    if settings.neo4j_uri:
        from graph.neo4j.store import Neo4jStore  # late: the embedded-only deployment never loads the driver

        try:
            store: GraphStore = Neo4jStore.connect(
                settings.neo4j_uri,
                user=settings.neo4j_user,
                password=settings.neo4j_password,
                database=settings.neo4j_database,
            )
        except Unavailable as exc:
            raise SettingError("NEO4J_URI", f"cannot reach Neo4j at {settings.neo4j_uri}: {exc}") from None
        return store

    from graph.embedded.store import EmbeddedStore

    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return EmbeddedStore(settings.embedded_path)
    except (OSError, Unavailable) as exc:
        raise SettingError("BRIDGEWORK_DATA_DIR", f"cannot open the embedded store in {str(settings.data_dir)!r}: {exc}") from None
