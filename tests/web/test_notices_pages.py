"""My notices in a real browser (issue 15): people placed by a committed proposal are told, and an erased person reads "a former member"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from api.services import privacy, sets, suggestions
from network.domain import Assessor, Organisation, Programme
from tests.web.browser import LiveApp, screenshot

PHONE = {"width": 360, "height": 740}


def test_a_member_reads_which_set_they_are_in_and_an_erased_person_reads_a_former_member(
    live_app: LiveApp, signed_in: Callable[..., Any]
) -> None:
    store = live_app.store
    names = {"ann": "Ann Archer", "bob": "Bob Brown", "cat": "Cat Cole", "dan": "Dan Dale", "zoe": "Zoe Zenith"}
    for k, (aid, name) in enumerate(names.items()):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Organisation {k}", kind="voluntary", region="london"))
        store.create_assessor(Assessor(id=aid, name=name, availability=("tue-pm",), capacity=2, discoverable=True))
        store.set_employer(aid, f"org-{k}")
    store.create_programme(
        Programme(
            id="prog",
            name="London 2026",
            status="open",
            set_size_min=4,
            set_size_max=5,
            set_size_target=4,
            starts_on=date.today() + timedelta(days=30),
        )
    )
    for aid in ("ann", "bob", "cat", "dan"):
        store.enrol("prog", aid)
    view = sets.propose(store, "prog", sets.RunSettings(seed=1, time_limit=0))
    (made,) = sets.commit(store, view.record.id, view.record.version)
    suggestions.request_contact(store, "zoe", "ann")  # Ann is told Zoe would like to connect ...
    privacy.erase(store, "zoe", actor_id=None)  # ... and then Zoe is erased

    ann = signed_in(("assessor",), assessor_id="ann", viewport=PHONE)
    ann.goto(live_app.at("/me/notices"))
    placed = ann.get_by_role("link", name=f"You are in {made.set.name}")
    assert placed.is_visible()
    assert ann.get_by_text(f"You are in {made.set.name}, meeting Tuesday afternoons.", exact=False).is_visible()
    assert ann.get_by_role("link", name="A former member would like to connect").is_visible()
    assert ann.get_by_text("Zoe").count() == 0
    screenshot(ann, "notices-by-reference-phone")
    placed.click()
    ann.wait_for_url(f"**/sets/{made.id}")
    assert ann.get_by_role("heading", name=made.set.name).first.is_visible()
