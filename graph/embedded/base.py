"""What the area mixins of :class:`~graph.embedded.store.EmbeddedStore` may rely on from the store itself."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager


class EmbeddedBase:
    """Declares the transaction helper :class:`~graph.embedded.store.EmbeddedStore` provides to its area mixins."""

    def _transaction(self, write: bool) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction: commit when the block ends, roll back if it raises; sqlite3 errors become port errors."""
        raise NotImplementedError
