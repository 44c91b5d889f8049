"""The live meeting page (issue 19) in a real browser: several members in their own browser contexts follow one
meeting from check-in to review and see each other's changes within two seconds; nothing about cases is stored;
the meeting carries on when the app server restarts in the middle of it.

"Within two seconds" is how long each wait may take (playwright's timeout on the other person's page), not a
timing assertion; the delay itself is measured with eight members by ``bench/bench_live.py``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from api.services import accounts
from graph.embedded.store import EmbeddedStore
from tests.live_world import arrange_today
from tests.web.browser import PASSWORD, LiveApp, screenshot, sign_in

DELAY_MS = 2000  # everyone sees a change within this
PHONE = {"width": 360, "height": 740}
LIVE = "/sets/set-1/meetings/1/live"
ROOT = Path(__file__).resolve().parents[2]


def _heading(page: Any) -> Any:
    return page.locator("#phase-heading")


def _person(page: Any, name: str) -> Any:
    return page.locator("#people li", has_text=name)


def test_members_follow_one_meeting_from_check_in_to_review(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange_today(live_app.store)
    ann = signed_in(("assessor",), assessor_id="ann")
    bob = signed_in(("assessor",), assessor_id="bob")
    cat = signed_in(("assessor",), assessor_id="cat")
    dan = signed_in(("assessor",), assessor_id="dan", viewport=PHONE)

    # Ann opens the live page from her set's page, next to the video link, and opens the meeting: she facilitates.
    ann.goto(live_app.at("/sets/set-1"))
    assert ann.get_by_role("link", name="Join the video call").is_visible()
    ann.get_by_role("link", name="Open the live meeting page").click()
    ann.wait_for_url(f"**{LIVE}")
    expect(ann.get_by_text("Nothing about your cases is kept.")).to_be_visible()
    ann.get_by_role("button", name="Open the meeting and facilitate").click()
    expect(_heading(ann)).to_have_text("Check-in")
    expect(ann.get_by_role("heading", name="You are facilitating: what to do now")).to_be_visible()
    expect(ann.locator("#prompts")).to_contain_text("Ask each person in turn")

    # The others open the page: joining is what fills attendance, and Ann sees each of them arrive.
    for page, name in ((bob, "Bob Brown"), (cat, "Cat Cole"), (dan, "Dan Dale")):
        page.goto(live_app.at(LIVE))
        expect(_heading(page)).to_have_text("Check-in")
        expect(_person(ann, name)).not_to_contain_text("not here yet", timeout=DELAY_MS)
    expect(_person(ann, "Eve Evans")).to_contain_text("not here yet")
    expect(bob.get_by_role("heading", name="You are facilitating: what to do now")).to_be_hidden()

    bob.get_by_role("button", name="I have checked in").click()
    expect(_person(ann, "Bob Brown")).to_contain_text("checked in", timeout=DELAY_MS)
    expect(_person(dan, "Bob Brown")).to_contain_text("checked in", timeout=DELAY_MS)

    # Bids for time: the facilitator opens them, everyone sees it; asks and passes show on every page.
    ann.get_by_role("button", name="Open the bids for time").focus()  # with the keyboard
    ann.keyboard.press("Enter")
    for page in (bob, cat, dan):
        expect(_heading(page)).to_have_text("Bids for time", timeout=DELAY_MS)
    bob.get_by_label("Minutes I would like today").fill("20")
    bob.get_by_role("button", name="Ask for time").click()
    cat.get_by_role("button", name="Pass today").click()
    dan.get_by_label("Minutes I would like today").fill("25")
    dan.get_by_label("Minutes I would like today").press("Enter")  # the form sends on Enter, as forms do
    expect(_person(ann, "Bob Brown")).to_contain_text("asked for 20 minutes", timeout=DELAY_MS)
    expect(_person(ann, "Cat Cole")).to_contain_text("passed", timeout=DELAY_MS)
    expect(_person(bob, "Dan Dale")).to_contain_text("asked for 25 minutes", timeout=DELAY_MS)
    expect(dan.locator("#my-bid")).to_contain_text("your fair share now: 25 minutes")

    # Presenter slots with their stages and a timer; the facilitator's prompts change with them.
    ann.get_by_role("button", name="Start the first presenter").click()
    for page in (ann, bob, cat, dan):
        expect(_heading(page)).to_have_text("Presenting: Bob Brown", timeout=DELAY_MS)
    expect(ann.locator("#prompts")).to_contain_text("Let the presenter finish uninterrupted.")
    expect(bob.locator("#phase-who")).to_contain_text("You are presenting.")
    expect(cat.locator("#timer")).to_have_text(re.compile(r"^\d+:\d\d left$"))
    ann.get_by_role("button", name="Pause").click()
    expect(cat.locator("#timer-paused")).to_be_visible(timeout=DELAY_MS)
    ann.get_by_role("button", name="Carry on").click()
    expect(cat.locator("#timer-paused")).to_be_hidden(timeout=DELAY_MS)
    screenshot(ann, "live-facilitator-desktop")
    screenshot(cat, "live-member-desktop")
    screenshot(dan, "live-member-phone")
    ann.set_viewport_size(PHONE)
    screenshot(ann, "live-facilitator-phone")
    for page in (ann, dan):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the live page scrolls sideways on a phone ({width}px)"
    ann.set_viewport_size({"width": 1280, "height": 900})

    ann.get_by_role("button", name="Move on to questions").click()
    expect(_heading(cat)).to_have_text("Questions: Bob Brown", timeout=DELAY_MS)
    # Screen readers hear the change politely, once: the ticking clock itself is hidden from them.
    announce = cat.locator("#live-announce")
    assert announce.get_attribute("aria-live") == "polite" and cat.locator("#timer").get_attribute("aria-hidden") == "true"
    expect(announce).to_have_text(re.compile(r"^Now: Questions: Bob Brown\. \d+ minutes left\.$"), timeout=DELAY_MS)
    said = announce.inner_text()
    cat.wait_for_timeout(2500)
    assert announce.inner_text() == said, "the live region must not announce every second"
    expect(ann.locator("#prompts")).to_contain_text("Questions, not advice")
    ann.get_by_role("button", name="Move on to the action").click()
    expect(_heading(bob)).to_have_text("Action: Bob Brown", timeout=DELAY_MS)
    bob.get_by_label("What I will do before we next meet (one line; only you can see it)").fill("Ask for a peer observation")
    bob.get_by_role("button", name="Save my action").click()
    expect(bob.get_by_text("Your action is saved. Only you can see it.")).to_be_visible()
    expect(cat.locator("#action")).to_be_hidden()
    ann.get_by_role("button", name="Next presenter").click()
    expect(_heading(dan)).to_have_text("Presenting: Dan Dale", timeout=DELAY_MS)
    ann.get_by_role("button", name="Skip this presenter").click()

    # The review: ratings from each member and one line for the set; the facilitator closes and keeps a note to self.
    for page in (ann, bob, cat, dan):
        expect(_heading(page)).to_have_text("Process review", timeout=DELAY_MS)
    for page, n in ((bob, 4), (cat, 5)):
        page.get_by_role("group", name="We asked open questions and held back advice").get_by_role(
            "radio", name=re.compile(f"^{n}")
        ).check()
        page.get_by_role("button", name="Save my ratings").click()
        expect(page.get_by_text("Your ratings are saved.")).to_be_visible()
    expect(ann.locator("#ratings-given")).to_have_text("2 of you have rated so far.", timeout=DELAY_MS)
    cat.get_by_label(re.compile("One line for the set about the process")).fill("We kept to questions")
    cat.get_by_role("button", name="Save the line").click()
    expect(dan.locator("#line-now")).to_contain_text("We kept to questions", timeout=DELAY_MS)
    screenshot(dan, "live-review-member-phone")
    ann.get_by_label("One thing to try next time you facilitate (only you will see it)").fill("Open the bids a little sooner")
    ann.get_by_role("button", name="Save my note").click()
    expect(ann.get_by_text("Your note is saved. Only you will see it.")).to_be_visible()
    ann.get_by_role("button", name="Close the meeting").click()
    for page in (ann, bob, cat, dan):
        expect(_heading(page)).to_have_text("The meeting is closed", timeout=DELAY_MS)

    # Attendance filled itself from who joined; a member corrects Eve to "sent apologies".
    form = bob.locator("#attendance-form")
    expect(form.get_by_role("group", name="Ann Archer").get_by_label("Attended")).to_be_checked()
    expect(form.get_by_role("group", name="Eve Evans").get_by_label("Absent")).to_be_checked()
    form.get_by_role("group", name="Eve Evans").get_by_label("Sent apologies").check()
    form.get_by_role("button", name="Save attendance").click()
    expect(bob.get_by_text("Attendance saved.")).to_be_visible()
    meeting = live_app.store.get_meeting("set-1:1")
    assert dict(meeting.attendance) == {"ann": "attended", "bob": "attended", "cat": "attended", "dan": "attended", "eve": "apologies"}
    assert meeting.presenters == ("bob", "dan") and meeting.action_of("bob") == "Ask for a peer observation"

    # Nothing about cases is stored: the live state holds ids, numbers, times, fixed words and the one review line.
    record = live_app.store.get_live_meeting("set-1:1")
    assert record is not None and record.note == "Open the bids a little sooner"
    assert _free_text(record.state) == {"We kept to questions"}

    # Growing facilitators: Ann sees her record and her note; nobody else sees the note.
    ann.goto(live_app.at("/me/facilitation"))
    expect(ann.get_by_text("You have facilitated 1 meeting")).to_be_visible()
    expect(ann.get_by_text("Open the bids a little sooner")).to_be_visible()
    bob.goto(live_app.at("/me/facilitation"))
    expect(bob.get_by_text("presented at 1")).to_be_visible()
    assert "Open the bids a little sooner" not in bob.content()


def _free_text(state: Any) -> set[str]:
    """Strings in the stored state that are not ids, fixed words or times."""
    from datetime import datetime

    def strings(v: Any) -> list[str]:
        if isinstance(v, str):
            return [v]
        if isinstance(v, dict):
            return [s for k, x in v.items() for s in (*strings(k), *strings(x))]
        if isinstance(v, list | tuple):
            return [s for x in v for s in strings(x)]
        return []

    def fixed(s: str) -> bool:
        try:
            datetime.fromisoformat(s)
            return True
        except ValueError:
            return bool(re.fullmatch(r"[a-z_]+", s))

    return {s for s in strings(state) if not fixed(s)}


# -- a restart of the app server in the middle of a meeting ----------------------------------------------

SERVER = """
import sys
from werkzeug.serving import make_server
from bridgework import create_app
app = create_app({"TESTING": True})
server = make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True)
print("serving", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppProcess:
    """The app in a process of its own on a fixed port, on an embedded store in ``data``: it can be stopped and started again."""

    def __init__(self, data: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            BRIDGEWORK_DATA_DIR=str(data),
            BRIDGEWORK_SECRET_KEY="live-restart-test-" + "k" * 32,
            BRIDGEWORK_ENV="development",
            BRIDGEWORK_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        self.env.pop("NEO4J_URI", None)
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "serving"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the app process did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def app_process(tmp_path: Path) -> Iterator[AppProcess]:
    store = EmbeddedStore(tmp_path / "bridgework.sqlite3")
    store.ensure_schema()
    arrange_today(store)
    for a in ("ann", "bob"):
        accounts.create_user(store, f"{a}@example.org", roles=("assessor",), password=PASSWORD, assessor_id=a)
    store.close()
    app = AppProcess(tmp_path)
    app.start()
    try:
        yield app
    finally:
        app.stop()


def test_the_meeting_carries_on_when_the_app_server_restarts(app_process: AppProcess, new_page: Callable[..., Any]) -> None:
    pages = {}
    for a in ("ann", "bob"):
        page = new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, app_process, f"{a}@example.org")  # type: ignore[arg-type]
        page.goto(app_process.at(LIVE))
        pages[a] = page
    ann, bob = pages["ann"], pages["bob"]
    ann.get_by_role("button", name="Open the meeting and facilitate").click()
    expect(_heading(bob)).to_have_text("Check-in", timeout=DELAY_MS)
    ann.get_by_role("button", name="Open the bids for time").click()
    expect(_heading(bob)).to_have_text("Bids for time", timeout=DELAY_MS)
    bob.get_by_label("Minutes I would like today").fill("15")
    bob.get_by_role("button", name="Ask for time").click()
    expect(_person(ann, "Bob Brown")).to_contain_text("asked for 15 minutes", timeout=DELAY_MS)
    timer_before = ann.locator("#timer").inner_text()

    app_process.stop()  # mid-meeting: the pages notice and keep trying
    expect(ann.locator("#live-problem")).to_be_visible(timeout=5000)
    app_process.start()
    expect(ann.locator("#live-problem")).to_be_hidden(timeout=5000)

    # The same meeting, from the store: the same phase, bids and timer (no server kept it in memory).
    expect(_heading(ann)).to_have_text("Bids for time")
    expect(_person(ann, "Bob Brown")).to_contain_text("asked for 15 minutes")
    assert ann.locator("#timer").inner_text() <= timer_before  # still counting down from the stored start
    ann.get_by_role("button", name="Start the first presenter").click()
    expect(_heading(bob)).to_have_text("Presenting: Bob Brown", timeout=DELAY_MS)


def test_coordinators_see_only_aggregates_per_set(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    from api.services import live as live_service

    store = live_app.store
    arrange_today(store)
    live_service.start_meeting(store, "set-1", "set-1:1", "ann")
    members = ("ann", "bob", "cat", "dan", "eve")
    run = 0
    for step in ("advance", "bid", "advance", "skip"):
        if step == "bid":
            live_service.step(store, "set-1", "set-1:1", "bob", "bid", minutes=10)
            continue
        live_service.step(store, "set-1", "set-1:1", "ann", step, run=run)
        run += 1
    for k, a in enumerate(members):
        live_service.step(store, "set-1", "set-1:1", a, "rate", ratings={"questions": 3 + k % 2, "time": 4})
    live_service.step(store, "set-1", "set-1:1", "ann", "close", run=run)
    live_service.save_note(store, "set-1", "set-1:1", "ann", "A private thought")

    coordinator = signed_in(("coordinator",), programme_ids=("prog",))
    coordinator.goto(live_app.at("/programmes/prog/health"))
    coordinator.get_by_role("link", name="How the process is going in each set").click()
    row = coordinator.get_by_role("row", name=re.compile("London 2026: set 1"))
    expect(row).to_contain_text("100% (1 of 1)")
    expect(row).to_contain_text("3.7 (from 5 people)")  # five people: questions 3, 4, 3, 4, 3 and time 4 each
    expect(row).to_contain_text("4 of 5")  # members yet to facilitate
    assert "A private thought" not in coordinator.content()
    screenshot(coordinator, "live-coordinator-aggregates")
    # A member of the set is refused the coordinators' page; a coordinator is refused the live meeting itself.
    bob = signed_in(("assessor",), assessor_id="bob")
    bob.goto(live_app.at("/programmes/prog/facilitation"))
    expect(bob.get_by_role("heading", level=1)).not_to_contain_text("How the process is going")
    coordinator.goto(live_app.at(LIVE))
    expect(coordinator.get_by_role("heading", level=1)).not_to_contain_text("Meeting 1")


def test_another_days_meeting_says_when_its_page_opens(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    arrange_today(live_app.store)
    ann = signed_in(("assessor",), assessor_id="ann", viewport=PHONE)
    ann.goto(live_app.at("/sets/set-1/meetings/2/live"))
    expect(ann.get_by_text("This page opens on the day of the meeting.")).to_be_visible()
    expect(ann.get_by_role("button", name="Open the meeting and facilitate")).to_be_hidden()
    expect(ann.get_by_text("Nothing about your cases is kept.")).to_be_visible()
