"""Seeing the service run: a request id on every log line, JSON logs, and Prometheus metrics.

Request ids. Every request gets an id: the caller's ``X-Request-ID`` when it is a short token
(a load balancer's, so one id follows a request through every hop), otherwise a new one. It is
sent back in the ``X-Request-ID`` header, put on every log line written while the request runs, and
on the one access line written when it ends (method, route, status, duration; never a query string,
a body or a name, so the log holds no personal details).

JSON logs. ``BRIDGEWORK_LOG_FORMAT=json`` (the default in production) writes one JSON object per line
(time, level, logger, message, request_id, and the traceback when there is one), which log
collectors read without a parser of their own; ``text`` (the default in development) is for people.

Metrics (``prometheus_client``, the Prometheus project's own library). ``GET /metrics`` answers
in Prometheus' text format:

- ``bridgework_request_seconds`` (histogram) by route, method and status class;
- ``bridgework_store_seconds`` (histogram) and ``bridgework_store_errors_total`` by store operation
  (a unit of work or a call outside one), from :func:`observe_store`;
- ``bridgework_jobs`` (gauge) by job kind and state, read from the store at each scrape, so every
  app server reports the same figures.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (the library's
multiprocess mode): every worker writes its figures there and any worker's ``/metrics`` sums them.
``/metrics`` needs ``Authorization: Bearer <BRIDGEWORK_METRICS_TOKEN>``; without a token set it is
open in development and absent (404) in production.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import time
import traceback
from collections import Counter as Tally
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger("bridgework.requests")

#: The request id of the request this thread (or task) is serving, for every log line it writes.
REQUEST_ID: ContextVar[str | None] = ContextVar("bridgework_request_id", default=None)

_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "bridgework_request_seconds", "Time to answer a request, by route.", ("route", "method", "status"), buckets=_BUCKETS
)
STORE_SECONDS = Histogram("bridgework_store_seconds", "Time spent in the store, by operation.", ("operation",), buckets=_BUCKETS)
STORE_ERRORS = Counter("bridgework_store_errors", "Store operations that failed, by operation and error.", ("operation", "error"))


# -- logs ---------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or ``-``) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and extra fields given with ``extra=``."""

    _STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "request_id", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get() or "-",
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def configure_logging(level: str, fmt: str) -> None:
    """Send the root logger's lines to stderr in ``fmt`` (``json`` or ``text``), each with its request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("bridgework")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "bridgework"]:
        root.removeHandler(old)
    if not any(h.get_name() != "bridgework" and isinstance(h, logging.StreamHandler) for h in root.handlers):
        root.addHandler(handler)
    else:  # someone (pytest, gunicorn) already logs to a stream: give their lines the request id too
        for other in root.handlers:
            other.addFilter(RequestIdFilter())
    root.setLevel(level)


# -- store timings --------------------------------------------------------------------


@contextmanager
def observe_store(operation: str) -> Iterator[None]:
    """Time one store operation into the metrics; a failure is counted by its error class, then raised on."""
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        STORE_ERRORS.labels(operation, type(exc).__name__).inc()
        raise
    finally:
        STORE_SECONDS.labels(operation).observe(time.perf_counter() - started)


# -- requests -------------------------------------------------------------------------


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    rid = given if _GOOD_ID.match(given) else secrets.token_hex(8)
    g.request_id = rid
    g.request_started = time.perf_counter()
    g.request_id_token = REQUEST_ID.set(rid)


def _end(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers["X-Request-ID"] = rid
    started = g.get("request_started")
    if started is not None:
        elapsed = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        if route != "/metrics":
            REQUEST_SECONDS.labels(route, request.method, f"{response.status_code // 100}xx").observe(elapsed)
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            route,
            response.status_code,
            elapsed * 1000,
            extra={"method": request.method, "route": route, "status": response.status_code, "ms": round(elapsed * 1000, 1)},
        )
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


class _JobStates:
    """The jobs in the store by kind and state, read at each scrape (the store is shared, so every server agrees)."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from api import jobs
        from api.extensions import get_store

        family = GaugeMetricFamily("bridgework_jobs", "Background jobs in the store, by kind and state.", labels=("kind", "state"))
        with self._app.app_context():
            store = get_store()
            tally: Tally[tuple[str, str]] = Tally()
            after = None
            for _ in range(50):  # at most 50 pages of 200: finished jobs are pruned after 30 days
                page = store.list_jobs(limit=200, after=after)
                for job in page.items:
                    seen = jobs.as_seen(job)
                    tally[(seen.kind, seen.status)] += 1
                after = page.next_after
                if not after:
                    break
        for (kind, state), n in sorted(tally.items()):
            family.add_metric([kind, state], n)
        yield family


def _metrics() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    token = app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("a metrics token is needed\n", status=401, mimetype="text/plain", headers={"WWW-Authenticate": "Bearer"})
    elif app.config.get("BRIDGEWORK_ENV") == "production":
        return Response("not found\n", status=404, mimetype="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_SECONDS, STORE_SECONDS, STORE_ERRORS):
            registry.register(collector)
    registry.register(_JobStates(app))  # type: ignore[arg-type]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def init_observability(app: Flask) -> None:
    """Request ids, the access line, JSON or text logs, and ``GET /metrics`` on ``app``."""
    configure_logging(app.config["LOG_LEVEL"], app.config.get("LOG_FORMAT", "text"))
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_teardown)
    app.add_url_rule("/metrics", "metrics", _metrics, methods=["GET"])
