"""The worker: the scheduled work that needs nobody, run by ``bridgework worker`` (its own service in docker-compose.yml).

Jobs, on APScheduler's ``BlockingScheduler`` (cron and interval triggers, UK time):

============  =====================================  ==================================================
job           when                                   what
============  =====================================  ==================================================
delivery      every ``BRIDGEWORK_DELIVERY_SECONDS``  e-mails the notices due (new, or due a retry), and
              (60 s), and once at start              digests due a retry (:mod:`api.services.delivery`)
reminders     daily at ``BRIDGEWORK_REMINDERS_HOUR``  the reminders due today: meetings, turns,
                                                     questionnaires (``send-reminders``)
set-health    daily, half an hour after reminders    tells coordinators of their sets at risk
digests       daily at ``BRIDGEWORK_DIGEST_HOUR``     one e-mail per person with the notices they
                                                     wanted as a daily digest
============  =====================================  ==================================================

Each job is isolated: an error is logged (with its traceback) and the next run happens as planned;
inside a job, one set or programme that fails is logged and the others are done
(:mod:`api.services.batch`). Any number of workers and app servers may run at once: reminders are
keyed notices stored at most once, and e-mail is sent only after a notice is claimed in the store
(:meth:`~graph.port_delivery.DeliveryPort.claim_notices`), so nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from api.config import WORKER_TIMEZONE
from api.services import batch, delivery, notify
from api.services import meetings as meetings_service
from api.services.notify import Notifier
from graph.port import GraphStore
from network.domain import Programme

log = logging.getLogger(__name__)

#: The worker's jobs, in the order ``--once all`` runs them.
JOBS: tuple[str, ...] = ("delivery", "reminders", "set-health", "digests")

#: Programmes whose sets are checked daily (a closed one's sets are over; a draft one may still hold sets committed early).
CHECKED_PROGRAMMES = ("draft", "open", "forming", "running")


@dataclass(frozen=True)
class JobResult:
    """What one run of a job did, in a line for the log; ``failures``: items it could not process (each logged)."""

    job: str
    summary: str
    failures: tuple[batch.Failure, ...] = ()
    ok: bool = True


def _programmes(store: GraphStore) -> Iterator[Programme]:
    after: str | None = None
    while True:
        page = store.list_programmes(limit=200, after=after)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


@dataclass
class Worker:
    """The jobs over one open store and the configured notifier; ``settings``: :func:`api.config.worker_settings`."""

    store: GraphStore
    notifier: Notifier
    settings: Mapping[str, Any]

    # -- the jobs (each callable directly, e.g. by tests and ``bridgework worker --once``) ------------

    def delivery(self, now: datetime | None = None) -> JobResult:
        """Send the notices due now, one e-mail each, and digests due a retry."""
        r = delivery.deliver_everything_due(self.store, notifier=self.notifier, wording=notify.render, now=now)
        return JobResult("delivery", _delivered(r))

    def reminders(self, today: date | None = None) -> JobResult:
        """Produce today's reminders (meetings, turns, questionnaires) and send the new ones; safe to run again."""
        r = meetings_service.send_reminders(self.store, today or meetings_service.today_uk(), notifier=self.notifier)
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(r.by_kind.items())) or "none"
        return JobResult("reminders", f"reminders for {r.today.isoformat()}: {r.due} due ({kinds}), {r.new} new", r.failures)

    def set_health(self, today: date | None = None) -> JobResult:
        """Judge every running programme's sets and tell the coordinators of those at risk (once a week per set and reason)."""
        day = today or meetings_service.today_uk()
        failures: list[batch.Failure] = []
        judged = at_risk = 0
        for programme in _programmes(self.store):
            if programme.status not in CHECKED_PROGRAMMES:
                continue
            try:
                with notify.sending(self.notifier):  # the alerts go out through this worker's notifier once stored
                    view = meetings_service.tell_coordinators_of_risk(self.store, programme.id, day)
            except Exception as exc:  # one programme's bad data must not stop the others' checks
                failures.append(batch.failure("programme", programme.id, exc, name=programme.name, doing="checking its sets"))
                continue
            judged += 1
            at_risk += len(view.at_risk)
            failures += view.failures
        return JobResult(
            "set-health", f"set health on {day.isoformat()}: {at_risk} set(s) at risk in {judged} programme(s)", tuple(failures)
        )

    def digests(self, now: datetime | None = None) -> JobResult:
        """Route the notices not yet routed, then send each person's daily digest."""
        first = delivery.deliver_due(self.store, notifier=self.notifier, wording=notify.render, now=now)
        r = delivery.send_digests(self.store, notifier=self.notifier, wording=notify.render, now=now)
        return JobResult("digests", f"digests: {r.mails} e-mail(s) with {r.sent} notice(s), {r.failed} to try again; {_delivered(first)}")

    # -- running them ------------------------------------------------------------------------------

    def job(self, name: str) -> Callable[[], JobResult]:
        """The job called ``name`` (one of :data:`JOBS`), isolated: an error is logged and reported, never raised."""
        run = {"delivery": self.delivery, "reminders": self.reminders, "set-health": self.set_health, "digests": self.digests}[name]

        def isolated() -> JobResult:
            try:
                result = run()
            except Exception as exc:
                log.exception("worker job %s failed; it runs again at its next time", name)
                return JobResult(name, f"{name} failed: {type(exc).__name__}: {exc}", ok=False)
            log.info("worker job %s: %s", name, result.summary)
            if result.failures:
                log.warning("worker job %s: %s", name, batch.summary(result.failures))
            return result

        isolated.__name__ = f"bridgework_{name.replace('-', '_')}"
        return isolated


def _delivered(r: delivery.DeliveryReport) -> str:
    return (
        f"{r.sent} notice(s) e-mailed in {r.mails} e-mail(s), {r.failed} to try again ({r.gave_up} given up), "
        f"{r.held_for_digest} kept for a digest, {r.in_app} on Bridgework only"
    )


def build_scheduler(worker: Worker, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """The scheduler with the worker's jobs (not started): see the module docstring for when each runs."""
    s = scheduler or BlockingScheduler(timezone=WORKER_TIMEZONE)
    settings = worker.settings
    # One run of a job at a time; runs missed while the process was down or busy collapse into one.
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    s.add_job(
        worker.job("delivery"),
        IntervalTrigger(seconds=int(settings["DELIVERY_SECONDS"]), timezone=WORKER_TIMEZONE),
        id="delivery",
        name="send the notices due",
        next_run_time=datetime.now(s.timezone),
        misfire_grace_time=int(settings["DELIVERY_SECONDS"]),
        **common,
    )
    daily: dict[str, Any] = {**common, "misfire_grace_time": 3 * 3600}  # a worker started late in the morning still runs them
    hour = int(settings["REMINDERS_HOUR"])
    s.add_job(
        worker.job("reminders"), CronTrigger(hour=hour, minute=0, timezone=WORKER_TIMEZONE), id="reminders", name="reminders", **daily
    )
    s.add_job(
        worker.job("set-health"), CronTrigger(hour=hour, minute=30, timezone=WORKER_TIMEZONE), id="set-health", name="set health", **daily
    )
    s.add_job(
        worker.job("digests"),
        CronTrigger(hour=int(settings["DIGEST_HOUR"]), minute=0, timezone=WORKER_TIMEZONE),
        id="digests",
        name="daily digests",
        **daily,
    )
    return s
