"""``bridgework worker``: its schedule, its jobs run directly (no waiting on the clock), isolation, and the command.

Mails go to a real SMTP server (aiosmtpd on 127.0.0.1). Two workers over one store never send a
reminder or a notice twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from click.testing import CliRunner

from api.config import worker_settings
from api.services import accounts, delivery
from api.services.notify import SmtpNotifier
from api.worker import JOBS, Worker, build_scheduler
from bridgework.cli import main
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from graph.port_meetings import NoticeRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme
from tests import mailserver
from tests.mailserver import MailServer
from tests.stores import KINDS, open_empty

START = date(2026, 3, 3)  # a Tuesday: the set's first meeting
TODAY = date(2026, 3, 1)  # reminders are due for it


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 for the test."""
    with mailserver.running() as server:
        yield server


def smtp(server: MailServer) -> SmtpNotifier:
    return SmtpNotifier(server.host, server.port, "bridgework@example.org", timeout=5)


def seed(store: GraphStore) -> None:
    """A programme with one set of three (below its minimum of four), Ann with an account, and its coordinator."""
    store.create_organisation(Organisation(id="org", name="Org", kind="voluntary", region="london"))
    store.create_programme(Programme(id="prog", name="Northern programme", cadence="fortnightly", meetings=4, set_size_min=4))
    for a in ("ann", "bob", "cat"):
        store.create_assessor(Assessor(id=a, name=f"{a.title()} Smith", email=f"{a}@example.org", availability=("tue-pm",)))
        store.enrol("prog", a)
    s = ActionLearningSet(
        id="set-1", name="Set one", programme_id="prog", status="active", meeting_slot="tue-pm", cadence="fortnightly", starts_on=START
    )
    store.commit_sets("prog", [NewSet(s, ("ann", "bob", "cat"))], START - timedelta(days=7))
    accounts.create_user(store, "ann.login@example.org", roles=("assessor",), assessor_id="ann", user_id="u-ann")
    accounts.create_user(store, "coord@example.org", roles=("coordinator",), programme_ids=("prog",), user_id="u-coord")


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Each store kind, seeded."""
    s = open_empty(request.param, tmp_path / "graph.sqlite3")
    seed(s)
    try:
        yield s
    finally:
        s.close()


def test_the_scheduler_runs_each_job_on_its_own_schedule() -> None:
    worker = Worker(EmbeddedStore(":memory:"), smtp(MailServer("127.0.0.1", 25)), worker_settings({"BRIDGEWORK_DIGEST_HOUR": "8"}))
    scheduler = build_scheduler(worker, BlockingScheduler(timezone="Europe/London"))
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert sorted(jobs) == sorted(JOBS)
    assert str(jobs["delivery"].trigger) == "interval[0:01:00]"
    assert str(jobs["reminders"].trigger) == "cron[hour='6', minute='0']"
    assert str(jobs["set-health"].trigger) == "cron[hour='6', minute='30']"
    assert str(jobs["digests"].trigger) == "cron[hour='8', minute='0']"
    for j in jobs.values():
        assert (j.coalesce, j.max_instances) == (True, 1)
        assert str(j.trigger.timezone) == "Europe/London"
    assert jobs["delivery"].func.__name__ == "bridgework_delivery"
    assert not scheduler.running


def test_the_jobs_remind_tell_and_mail_everyone_once_even_with_two_workers(store: GraphStore, mail_server: MailServer) -> None:
    delivery.set_notice_preferences(store, "u-ann", {"meetings": "digest"}, actor_id="u-ann")
    first = Worker(store, smtp(mail_server), worker_settings({}))
    reminded = first.job("reminders")  # as the scheduler calls it
    result = first.reminders(TODAY)
    assert result.failures == () and "5 new" in result.summary
    assert reminded.__name__ == "bridgework_reminders"
    assert mail_server.to("ann@example.org") == []  # Ann wants her meeting notices in the daily digest
    assert {m.recipients[0] for m in mail_server.received} == {"bob@example.org", "cat@example.org"}
    health = first.set_health(TODAY)
    assert "1 set(s) at risk" in health.summary
    (alert,) = mail_server.to("coord@example.org")
    assert alert.subject == "Set one needs attention"
    digests = first.digests()
    assert "1 e-mail(s)" in digests.summary
    (digest,) = mail_server.to("ann@example.org")
    assert digest.subject.startswith("Your Bridgework digest")
    sent = len(mail_server.received)
    # A second worker (another process, another server) running everything again sends nothing more.
    second = Worker(store, smtp(mail_server), worker_settings({}))
    assert "0 new" in second.reminders(TODAY).summary
    second.set_health(TODAY)
    second.delivery(datetime.now(UTC) + timedelta(hours=1))
    second.digests()
    first.delivery()
    assert len(mail_server.received) == sent
    keys = [k for m in mail_server.received for k in m.keys]
    assert len(keys) == len(set(keys)) == 6  # 5 reminders and 1 alert, each in exactly one mail


class _Broken:
    """A store whose programme listing fails (everything else works)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def list_programmes(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the programme listing broke")


def test_a_failing_job_is_logged_and_the_others_still_run(store: GraphStore, mail_server: MailServer, caplog) -> None:
    store.add_notices([NoticeRecord(key="n1", kind="meeting", subject="Hello", body="Body", assessor_id="bob")], datetime.now(UTC))
    worker = Worker(_Broken(store), smtp(mail_server), worker_settings({}))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="api.worker"):
        failed = worker.job("set-health")()
    assert not failed.ok and "the programme listing broke" in failed.summary
    assert any("worker job set-health failed" in r.getMessage() for r in caplog.records)
    assert worker.job("set-health")().ok is False  # and it is simply run again at its next time
    assert worker.job("delivery")().ok
    assert [m.keys for m in mail_server.received] == [("n1",)]


# -- the command ------------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mail_server: MailServer) -> Path:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    d = tmp_path / "data"
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(d))
    monkeypatch.setenv("BRIDGEWORK_NOTIFIER", "smtp")
    monkeypatch.setenv("BRIDGEWORK_SMTP_HOST", mail_server.host)
    monkeypatch.setenv("BRIDGEWORK_SMTP_PORT", str(mail_server.port))
    monkeypatch.setenv("BRIDGEWORK_SMTP_FROM", "bridgework@example.org")
    monkeypatch.setenv("BRIDGEWORK_PUBLIC_URL", "https://bridgework.example.org/")
    d.mkdir()
    with EmbeddedStore(d / "bridgework.sqlite3") as s:
        seed(s)
        s.add_notices(
            [NoticeRecord(key="n1", kind="meeting", subject="Hello", body="Body", assessor_id="bob", link="/sets/set-1")], datetime.now(UTC)
        )
    return d


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_worker_once_runs_a_job_now_and_sends_nothing_twice(data_dir: Path, mail_server: MailServer) -> None:
    done = run("worker", "--once", "delivery")
    assert done.exit_code == 0, done.output
    assert "1 notice(s) e-mailed" in done.output
    (mail,) = mail_server.received
    assert (mail.recipients, mail.keys) == (("bob@example.org",), ("n1",))
    assert "https://bridgework.example.org/sets/set-1" in mail.body
    again = run("worker", "--once", "all")
    assert again.exit_code == 0, again.output
    for job in ("reminders for", "set health on", "digests:"):
        assert job in again.output
    assert len([m for m in mail_server.received if "n1" in m.keys]) == 1


def test_worker_with_a_bad_setting_says_which_and_exits_2(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGEWORK_DIGEST_HOUR", "25")
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2 and "BRIDGEWORK_DIGEST_HOUR" in result.output and "between 0 and 23" in result.output
    monkeypatch.setenv("BRIDGEWORK_DIGEST_HOUR", "7")
    monkeypatch.setenv("BRIDGEWORK_PUBLIC_URL", "bridgework.example.org")
    result = CliRunner().invoke(main, ["worker", "--once", "delivery"])
    assert result.exit_code == 2 and "BRIDGEWORK_PUBLIC_URL" in result.output
    assert CliRunner().invoke(main, ["worker", "--once", "gardening"]).exit_code == 2


def test_worker_once_all_names_a_failed_job_and_exits_3_after_the_others(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Worker, today: date | None = None) -> None:
        raise RuntimeError("the health check broke")

    monkeypatch.setattr(Worker, "set_health", broken)
    result = CliRunner().invoke(main, ["worker", "--once", "all"])
    assert result.exit_code == 3
    assert "set-health" in result.output and "digests:" in result.output and "1 notice(s) e-mailed" in result.output
