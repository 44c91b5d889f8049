"""``membership_changed`` on a real (embedded) store: past meetings never change, future turns stay fair, only current members take them."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import meetings as service
from graph.embedded.store import EmbeddedStore
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

START = date(2026, 1, 6)  # a Tuesday
PEOPLE = [f"p{k}" for k in range(8)]


def arrange(path: Path, founders: int) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.create_organisation(Organisation(id="org", name="Org", kind="voluntary", region="london"))
    store.create_programme(Programme(id="prog", name="P", cadence="fortnightly", meetings=10, set_size_min=3, set_size_max=10))
    for a in PEOPLE:
        store.create_assessor(Assessor(id=a, name=a.upper(), availability=("tue-pm",), capacity=2))
        store.enrol("prog", a)
    s = ActionLearningSet(
        id="s", name="S", programme_id="prog", status="active", meeting_slot="tue-pm", cadence="fortnightly", starts_on=START
    )
    store.commit_sets("prog", [NewSet(s, tuple(PEOPLE[:founders]))], START - timedelta(days=7))
    return store


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    founders=st.integers(min_value=3, max_value=6),
    today_index=st.integers(min_value=0, max_value=9),
    leavers=st.integers(min_value=0, max_value=2),
    joiners=st.integers(min_value=0, max_value=2),
    held=st.integers(min_value=0, max_value=9),
)
def test_replan_never_changes_past_meetings_and_keeps_turns_fair(
    tmp_path_factory, founders: int, today_index: int, leavers: int, joiners: int, held: int
) -> None:
    store = arrange(tmp_path_factory.mktemp("replan") / "s.sqlite3", founders)
    try:
        before = service.ensure_meetings(store, "s")
        today = before[today_index].on
        for m in before[: min(held, today_index)]:
            store.record_attendance(m.id, {a: "attended" for a in store.get_set("s").current_member_ids})
        for a in PEOPLE[:leavers]:
            store.end_membership("s", a, today - timedelta(days=1))
        for a in PEOPLE[founders : founders + joiners]:
            store.add_member("s", a, today - timedelta(days=1))
        before = store.meetings_of_set("s")
        service.membership_changed(store, "s", today)
        after = store.meetings_of_set("s")
        current = set(store.get_set("s").current_member_ids)
        for b, a in zip(before, after, strict=True):
            if b.held or b.on < today:
                assert a == b  # history is never rewritten
            else:
                assert a.facilitator in current and set(a.presenters) <= current
                assert a.facilitator not in a.presenters
        future = [m for m in after if not (m.held or m.on < today)]
        if len(future) >= len(current):
            # Over the meetings still to come every current member (leavers gone, joiners included) facilitates.
            counts = Counter(m.facilitator for m in future)
            assert set(counts) == current
    finally:
        store.close()
