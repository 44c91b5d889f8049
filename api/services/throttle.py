"""Throttles: how many failed sign-ins, failed password changes and new API tokens are allowed, per account and per
client address, counted where every app server process sees the same count. Nothing here knows Flask.

Counting uses the `limits` library's fixed-window strategy (the library under Flask-Limiter) on a
storage of our own, :class:`StoreCounters`, that keeps the counters in the graph store
(:meth:`graph.port_sessions.SessionsPort.hit_counter`, atomic on both stores). So N gunicorn workers,
or N machines on one store, allow the limit once, not N times. ``BRIDGEWORK_RATELIMIT_STORAGE_URI``
may name another `limits` storage instead (``redis://...``; ``memory://`` counts per process and is only
for tests).

A :class:`Throttle` has limits per account and per address. While any count is spent, the action is
refused before anything is checked, with a message in words saying when to try again. Addresses are
shared by the staff of one organisation, so for sign-in and password change only FAILURES count
(the callers count them), and a success forgets the account's count (never the address's).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from api.services.usecase import use_case
from graph.port import GraphStore, StoreError
from graph.port_sessions import MAX_COUNTER_KEY, Counter
from graph.settings import SettingError

#: ``BRIDGEWORK_RATELIMIT_STORAGE_URI`` value (and default) that keeps the counters in the graph store.
IN_THE_STORE = "store"


def _now() -> datetime:
    return datetime.now(UTC)


@use_case
def count_hit(store: GraphStore, key: str, window_seconds: int, amount: int = 1) -> Counter:
    """Count ``amount`` hits of ``key`` in its window (a new window of ``window_seconds`` if none is open)."""
    return store.hit_counter(key[:MAX_COUNTER_KEY], _now(), window_seconds, amount)


@use_case
def forget(store: GraphStore, key: str) -> None:
    """Forget the count of ``key``."""
    store.clear_counter(key[:MAX_COUNTER_KEY])


class StoreCounters(Storage):
    """A `limits` storage whose counters live in the graph store, so every process shares them."""

    STORAGE_SCHEME = ["bridgework-store"]

    def __init__(self, store: GraphStore) -> None:
        super().__init__(None, wrap_exceptions=False)
        self._store = store

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return StoreError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return count_hit(self._store, key, int(expiry), amount).count

    def get(self, key: str) -> int:
        found = self._store.get_counter(key[:MAX_COUNTER_KEY], _now())
        return 0 if found is None else found.count

    def get_expiry(self, key: str) -> float:
        found = self._store.get_counter(key[:MAX_COUNTER_KEY], _now())
        return time.time() if found is None else found.resets_at.timestamp()

    def check(self) -> bool:
        try:
            self._store.ping()
        except StoreError:
            return False
        return True

    def reset(self) -> int | None:
        return self._store.delete_expired_counters(datetime.max.replace(tzinfo=UTC))

    def clear(self, key: str) -> None:
        forget(self._store, key)


def counter_storage(store: GraphStore, uri: str) -> Storage:
    """The storage ``BRIDGEWORK_RATELIMIT_STORAGE_URI`` names: the graph store (``store``), or a `limits` storage URI."""
    if uri in ("", IN_THE_STORE):
        return StoreCounters(store)
    try:
        return storage_from_string(uri)
    except Exception as exc:  # limits raises ConfigurationError or ValueError for a URI it cannot use
        raise SettingError("BRIDGEWORK_RATELIMIT_STORAGE_URI", f"must be 'store' or a limits storage URI such as redis://host:6379: {exc}") from None


def parse_limits(text: str, setting: str) -> list[RateLimitItem]:
    """Limits such as ``"5 per 15 minutes;20 per day"``; :class:`SettingError` naming ``setting`` if they cannot be read."""
    try:
        return parse_many(text)
    except ValueError:
        raise SettingError(setting, f"must be limits such as '10 per minute;50 per hour', got {text!r}") from None


def wait_words(seconds: float) -> str:
    """How long to wait, in words: ``"in a minute"``, ``"in 12 minutes"``, ``"in about 2 hours"``, ``"tomorrow"``."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes == 1:
        return "in a minute"
    if minutes < 90:
        return f"in {minutes} minutes"
    hours = round(minutes / 60)
    if hours < 24:
        return f"in about {hours} hours"
    return "tomorrow" if hours < 36 else f"in about {round(hours / 24)} days"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action is refused for now, in words, and after how many seconds it may be tried again."""

    message: str
    retry_after: int


class Throttle:
    """Counts of one action (``name``) per account and per client address, with limits on each."""

    def __init__(self, name: str, what: str, storage: Storage, per_address: list[RateLimitItem], per_account: list[RateLimitItem]) -> None:
        self.name = name
        self.what = what  # e.g. "failed sign-ins": how the refusal names what was counted
        self.per_address = per_address
        self.per_account = per_account
        self._strategy = FixedWindowRateLimiter(storage)

    def _keys(self, account: str, address: str) -> list[tuple[str, list[RateLimitItem], tuple[str, ...]]]:
        return [
            ("account", self.per_account, ("bridgework", self.name, "account", account)),
            ("address", self.per_address, ("bridgework", self.name, "address", address or "unknown")),
        ]

    def refusal(self, account: str, address: str) -> Refusal | None:
        """Why ``account`` from ``address`` is refused now (a spent count), or ``None``."""
        for kind, items, key in self._keys(account, address):
            spent = [item for item in items if not self._strategy.test(item, *key)]
            if spent:
                wait = max(self._strategy.get_window_stats(item, *key).reset_time for item in spent) - time.time()
                seconds = max(1, math.ceil(wait))
                whose = "for this account" if kind == "account" else "from your network"
                return Refusal(f"Too many {self.what} {whose}. Try again {wait_words(seconds)}.", seconds)
        return None

    def hit(self, account: str, address: str) -> None:
        """Count one for ``account`` and for ``address``."""
        for _kind, items, key in self._keys(account, address):
            for item in items:
                self._strategy.hit(item, *key)

    def forget_account(self, account: str) -> None:
        """Forget the account's count (the address's stays: one's own success must not reset an address guessing at others)."""
        for kind, items, key in self._keys(account, ""):
            if kind == "account":
                for item in items:
                    self._strategy.clear(item, *key)
