"""Store settings read from the environment (``graph.open.open_store`` opens the store they name)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
EMBEDDED_FILE = "bridgework.sqlite3"


class SettingError(Exception):
    """A configuration value that cannot work; ``setting`` names the environment variable."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Which store to open and how; see the configuration table in the README."""

    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    data_dir: Path = Path("data")

    @property
    def kind(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def embedded_path(self) -> Path:
        return self.data_dir / EMBEDDED_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreSettings:
        """Read ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE`` and ``BRIDGEWORK_DATA_DIR``."""
        env = os.environ if env is None else env
        uri = (env.get("NEO4J_URI") or "").strip() or None
        if uri is not None:
            parts = urlsplit(uri)
            if parts.scheme not in NEO4J_SCHEMES:
                raise SettingError(
                    "NEO4J_URI",
                    f"{uri!r} is not a Neo4j URI; use one of the schemes {', '.join(NEO4J_SCHEMES)} (for example bolt://127.0.0.1:7687)",
                )
            if not parts.hostname:
                raise SettingError("NEO4J_URI", f"{uri!r} names no host")
            try:
                parts.port  # noqa: B018 - raises ValueError for a bad port
            except ValueError:
                raise SettingError("NEO4J_URI", f"{uri!r} has an invalid port") from None
        database = (env.get("NEO4J_DATABASE") or "neo4j").strip()
        if not database:
            raise SettingError("NEO4J_DATABASE", "must not be empty")
        return cls(
            neo4j_uri=uri,
            neo4j_user=(env.get("NEO4J_USER") or "neo4j").strip(),
            neo4j_password=env.get("NEO4J_PASSWORD") or "",
            neo4j_database=database,
            data_dir=Path(env.get("BRIDGEWORK_DATA_DIR") or "data"),
        )
