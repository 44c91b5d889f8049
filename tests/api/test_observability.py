"""Request ids on every log line, JSON logs, and the Prometheus metrics endpoint."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import pytest
from flask import Flask

from api.observability import JsonFormatter, RequestIdFilter, observe_store
from bridgework import create_app
from graph.port_jobs import JobRecord


@pytest.fixture
def lines() -> io.StringIO:
    """What the app logs, as its JSON handler would write it (added beside pytest's own capture)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old)


def records(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_every_request_gets_an_id_that_is_on_its_log_lines_and_in_the_answer(app: Flask, client, lines) -> None:
    @app.get("/_logs-something")
    def _logs_something():
        logging.getLogger("bridgework.test").warning("inside the view", extra={"figure": 3})
        return {"ok": True}

    answer = client.get("/_logs-something")
    rid = answer.headers["X-Request-ID"]
    assert len(rid) >= 8
    mine = [r for r in records(lines) if r["request_id"] == rid]
    assert {r["logger"] for r in mine} >= {"bridgework.test", "bridgework.requests"}
    inside = next(r for r in mine if r["logger"] == "bridgework.test")
    assert inside["message"] == "inside the view" and inside["figure"] == 3 and inside["level"] == "WARNING"
    access = next(r for r in mine if r["logger"] == "bridgework.requests")
    assert access["route"] == "/_logs-something" and access["status"] == 200 and access["method"] == "GET"
    assert client.get("/healthz").headers["X-Request-ID"] != rid  # a new one per request


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(client, lines) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a2c9e11"}).headers["X-Request-ID"] == "lb-7f3a2c9e11"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" {"level": "ERROR"}'}).headers["X-Request-ID"]
    assert '"' not in forged and " " not in forged
    for record in records(lines):  # every line is still one JSON object carrying only ids we accept or made
        assert record["request_id"] != 'x" {"level": "ERROR"}'


def test_the_access_line_names_the_route_never_the_query_or_a_personal_detail(client, lines) -> None:
    client.get("/api/v1/assessors?q=Sam%20Patel")
    access = [r for r in records(lines) if r["logger"] == "bridgework.requests"]
    assert access and all("Sam" not in json.dumps(r) for r in access)
    assert access[-1]["status"] == 401  # refused before the view: still timed and logged


def test_a_failure_is_logged_as_json_with_its_traceback(lines) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bridgework.test").exception("it failed")
    failed = records(lines)[-1]
    assert failed["level"] == "ERROR" and "ValueError: boom" in failed["traceback"]


def test_metrics_count_requests_store_time_and_job_states(app: Flask, client, store) -> None:
    at = datetime.now(UTC)
    store.create_job(JobRecord(id="job-9-a", kind="import", owner_user_id="u-1", status="running", created_at=at, updated_at=at, heartbeat_at=at))
    client.get("/healthz")
    with pytest.raises(KeyError), observe_store("test-operation"):
        raise KeyError("x")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'bridgework_request_seconds_count{method="GET",route="/healthz",status="2xx"}' in body
    assert 'bridgework_store_errors_total{error="KeyError",operation="test-operation"}' in body
    assert 'bridgework_jobs{kind="import",state="running"} 1.0' in body


def test_metrics_need_the_token_when_one_is_set_and_are_absent_in_production_without_one(store, monkeypatch) -> None:
    guarded = create_app({"TESTING": True, "STORE": store, "METRICS_TOKEN": "s3cret-metrics-token"}).test_client()
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200
    production = create_app({"TESTING": True, "STORE": store, "BRIDGEWORK_ENV": "production", "METRICS_TOKEN": None}).test_client()
    assert production.get("/metrics").status_code == 404
