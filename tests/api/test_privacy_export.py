"""A person's data export holds their own part of everything later issues store: meetings, join requests, answers, notices."""

from __future__ import annotations

from datetime import date

from api.services import privacy
from api.services.notify import Notice, notify
from graph.port_joins import JoinRequest
from graph.port_meetings import MeetingPlan
from graph.port_outcomes import AnswerRecord
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme


def _world(store) -> None:
    for i in (1, 2, 3):
        store.create_organisation(Organisation(id=f"org-{i}", name=f"Org {i}", kind="voluntary", region="london"))
    for aid, org in (("ann", "org-1"), ("bob", "org-2"), ("cat", "org-3"), ("dan", "org-2")):
        store.create_assessor(Assessor(id=aid, name=aid.title(), availability=("tue-pm",), capacity=2, discoverable=True))
        store.set_employer(aid, org)
    store.create_programme(Programme(id="p-1", name="Spring", status="running", set_size_min=2, starts_on=date(2026, 1, 6)))
    for aid in ("ann", "bob", "cat", "dan"):
        store.enrol("p-1", aid)
    s = ActionLearningSet("s-1", "Tuesday set", programme_id="p-1", status="active", meeting_slot="tue-pm")
    store.commit_sets("p-1", [NewSet(s, ("ann", "bob"))], joined=date(2026, 1, 1))
    s2 = ActionLearningSet("s-2", "Second set", programme_id="p-1", status="forming", meeting_slot="tue-pm")
    store.commit_sets("p-1", [NewSet(s2, ("dan",))], joined=date(2026, 1, 1))


def test_the_export_holds_the_persons_own_meetings_requests_answers_and_notices(store):
    _world(store)
    [first, _] = store.create_meetings(
        "s-1",
        [
            MeetingPlan("s-1", 1, date(2026, 1, 6), "tue-pm", facilitator="ann", presenters=("bob",)),
            MeetingPlan("s-1", 2, date(2026, 2, 3), "tue-pm", facilitator="bob", presenters=("ann",)),
        ],
    )
    store.record_attendance(first.id, {"ann": "attended", "bob": "apologies"})
    store.set_action(first.id, "bob", "Bob's private action")
    store.request_join(JoinRequest(id="jr-1", set_id="s-2", assessor_id="cat", programme_id="p-1", message="Hello"))
    version = store.save_questionnaire("p-1", '[{"key": "confidence", "kind": "scale", "min": 1, "max": 5}]', 0, frozenset())
    store.save_answer(AnswerRecord("p-1", "start", "ann", version.version, date(2026, 1, 10), (("confidence", 4),)))
    notify(store, [Notice("reminder:ann:1", None, "ann", "meeting", "Meeting on Tuesday", "Your set meets on Tuesday.")])
    notify(store, [Notice("reminder:bob:1", None, "bob", "meeting", "Meeting on Tuesday", "Bob's reminder.")])

    data = privacy.export(store, "ann")
    meetings = data["meetings"]
    assert [(t["meeting"], t["role"]) for t in meetings["meeting_turns"]] == [(1, "facilitator"), (2, "presenter")]
    assert [(a["meeting"], a["status"]) for a in meetings["attendance"]] == [(1, "attended")]
    assert meetings["my_actions"] == []
    assert "Bob's private action" not in str(data) and "apologies" not in str(data)  # other members' parts stay out
    assert [(a["wave"], a["values"]) for a in data["questionnaire_answers"]] == [("start", [["confidence", 4]])]
    assert [n["key"] for n in meetings["notices"]] == ["reminder:ann:1"]
    assert data["join_requests"] == []
    cat = privacy.export(store, "cat")
    assert [(r["set_id"], r["message"]) for r in cat["join_requests"]] == [("s-2", "Hello")]
    assert cat["meetings"] == {
        "meeting_turns": [],
        "attendance": [],
        "my_actions": [],
        "notices": [],
        "live": {"facilitated": 0, "presented": 0, "notes_to_self": []},
    }
    assert cat["questionnaire_answers"] == []
