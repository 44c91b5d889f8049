"""Enrolment at scale (issue 17), in a real browser: a coordinator enrols 120 chosen people by filter in a few clicks
(counted); people who cannot be found are never listed; a pasted list names each line that cannot be enrolled in words
and enrols nobody until it is put right; a CSV file enrols everyone it names."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from network.domain import Assessor, Organisation, Programme
from tests.web.browser import LiveApp, screenshot

#: The issue's promise: enrolling 120 chosen people takes at most ten clicks.
CLICKS_MAX = 10


def _world(store: Any) -> None:
    for k in range(12):
        region = "north_east" if k < 10 else "london"
        store.create_organisation(Organisation(id=f"org-{k:02d}", name=f"Council {k:02d}", kind="local_authority", region=region))
    for k in range(150):  # 120 in the north east (organisations 0-9), 30 in London
        org = k % 10 if k < 120 else 10 + k % 2
        a = store.create_assessor(
            Assessor(id=f"a-{k:03d}", name=f"Person {k:03d}", email=f"person{k:03d}@example.org", experience_years=k % 20,
                     availability=("tue-pm",), discoverable=True)
        )
        store.set_employer(a.id, f"org-{org:02d}")
    # In the north east too, but never to be listed: one opted out of being found, one inactive.
    for key, changes in {"hidden": {"discoverable": False}, "gone": {"discoverable": True, "active": False}}.items():
        store.create_assessor(Assessor(id=f"a-{key}", name=f"Not listed {key}", email=f"{key}@example.org", availability=("tue-pm",), **changes))
        store.set_employer(f"a-{key}", "org-00")
    store.create_programme(Programme(id="prog-1", name="North East 2027", status="open"))


class Counter:
    """Every click and choice the coordinator makes, counted."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def click(self, locator: Any) -> None:
        self.count += 1
        locator.click()

    def choose(self, locator: Any, value: str) -> None:
        self.count += 1
        locator.select_option(value)


def test_enrolling_120_people_by_filter_takes_at_most_ten_clicks(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    _world(store)
    page = signed_in(("coordinator",), programme_ids=("prog-1",))
    page.goto(live_app.at("/programmes/prog-1"))
    me = Counter(page)
    me.click(page.get_by_role("link", name="Find and enrol many people…"))
    me.choose(page.get_by_label("Region"), "north_east")
    me.click(page.get_by_role("button", name="Find people"))
    rows = page.get_by_role("table", name=re.compile("People who could be enrolled")).locator("tbody tr")
    expect(rows).to_have_count(120)
    expect(page.get_by_role("heading", name=re.compile(r"People found \(120\)"))).to_be_visible()
    expect(rows.first).to_contain_text("Council 00")  # each listed with their organisation
    expect(page.get_by_text("Not listed hidden")).to_have_count(0)
    expect(page.get_by_text("Not listed gone")).to_have_count(0)
    me.click(page.get_by_role("button", name="Select all"))
    expect(page.locator("#chosen-count")).to_have_text("120 people ticked")
    screenshot(page, "enrol-many-found")
    me.click(page.get_by_role("button", name="Enrol 120 people"))
    expect(page.get_by_text("Enrolled 120 people.")).to_be_visible()
    assert len(store.enrolments("prog-1")) == 120
    assert me.count <= CLICKS_MAX, f"{me.count} clicks"
    print(f"\nenrolling 120 people took {me.count} clicks")

    # Select none unticks everyone; the people enrolled are no longer offered.
    page.goto(live_app.at("/programmes/prog-1/enrol?find=1"))
    expect(page.get_by_role("heading", name=re.compile(r"People found \(30\)"))).to_be_visible()
    page.get_by_role("button", name="Select all").click()
    page.get_by_role("button", name="Select none").click()
    expect(page.locator("#chosen-count")).to_have_text("0 people ticked")


def test_a_pasted_list_names_every_line_it_cannot_enrol_and_enrols_nobody_until_put_right(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    _world(store)
    store.enrol("prog-1", "a-005")
    page = signed_in(("coordinator",), programme_ids=("prog-1",))
    page.goto(live_app.at("/programmes/prog-1/enrol"))
    page.get_by_label("E-mail addresses or ids, one a line").fill(
        "person001@example.org\nPERSON002@example.org\nnobody@example.org\nhidden@example.org\na-005\nnot an address\na-003"
    )
    page.get_by_role("button", name="Enrol everyone listed").click()
    alert = page.locator("#enrol-problems")
    expect(alert).to_contain_text("Line 3: no one we can enrol has the e-mail nobody@example.org.")
    expect(alert).to_contain_text("Line 4: no one we can enrol has the e-mail hidden@example.org.")  # hidden reads as unknown
    expect(alert).to_contain_text("Line 5: Person 005 is already enrolled.")
    expect(alert).to_contain_text("Line 6: 'not an address' is neither an e-mail address nor an id.")
    expect(alert).to_contain_text("Nobody was enrolled")
    assert [e.assessor_id for e in store.enrolments("prog-1")] == ["a-005"]
    assert "person001@example.org" in page.get_by_label("E-mail addresses or ids, one a line").input_value()  # kept to put right
    screenshot(page, "enrol-many-list-problems")
    page.get_by_label("E-mail addresses or ids, one a line").fill("person001@example.org\nPERSON002@example.org\na-003")
    page.get_by_role("button", name="Enrol everyone listed").click()
    expect(page.get_by_text("Enrolled 3 people.")).to_be_visible()
    assert sorted(e.assessor_id for e in store.enrolments("prog-1")) == ["a-001", "a-002", "a-003", "a-005"]

    # A CSV file with an email column.
    page.goto(live_app.at("/programmes/prog-1/enrol"))
    csv = "name,email\nPerson 010,person010@example.org\nPerson 011,person011@example.org\n"
    page.get_by_label("Or a CSV file with an email or id column").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Enrol everyone listed").click()
    expect(page.get_by_text("Enrolled 2 people.")).to_be_visible()
    assert {"a-010", "a-011"} <= {e.assessor_id for e in store.enrolments("prog-1")}


def test_the_enrolment_page_fits_a_phone(live_app: LiveApp, signed_in: Any) -> None:
    store = live_app.store
    _world(store)
    store.create_organisation(Organisation(id="org-long", name="The Very Long Named Metropolitan Borough Council of Somewhere", kind="local_authority", region="north_east"))
    page = signed_in(("coordinator",), programme_ids=("prog-1",), viewport={"width": 390, "height": 800})
    page.goto(live_app.at("/programmes/prog-1/enrol?find=1&region=london"))
    expect(page.get_by_role("heading", name=re.compile(r"People found \(30\)"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
