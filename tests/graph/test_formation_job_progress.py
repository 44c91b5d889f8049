"""A set formation job shows its search in figures: steps done of the step budget and the best found so far."""

from __future__ import annotations

from api.services import sets as service
from graph.port import GraphStore
from network.domain import Programme
from network.formation import FormationProgress
from web.coordinator import _search_progress


def _pool(store: GraphStore, make, people: int = 40) -> Programme:
    for k in range(5):
        store.create_organisation(make.org(k))
    programme = store.create_programme(Programme(id=make.id("prog"), name="Progress", set_size_min=4, set_size_max=6, set_size_target=5))
    for k in range(people):
        a = store.create_assessor(make.assessor(k, availability=("tue-pm", "thu-am"), experience_years=k % 9))
        store.set_employer(a.id, make.id("org", k % 5))
        store.enrol(programme.id, a.id)
    return programme


def test_propose_tells_how_the_search_is_going(store: GraphStore, make) -> None:
    programme = _pool(store, make)
    seen: list[FormationProgress] = []
    run = service.RunSettings(seed=2, time_limit=service.MAX_TIME_LIMIT, max_iterations=6_000)
    view = service.propose(store, programme.id, run, progress=seen.append)
    assert seen and all(p.max_steps == 6_000 for p in seen)
    assert seen[-1].placed <= view.result.placed


class _Ctx:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def progress(self, done: int, total: int, message: str) -> None:
        self.calls.append((done, total, message))


def test_the_job_shows_steps_of_the_budget_and_the_best_so_far_in_words() -> None:
    ctx = _Ctx()
    report = _search_progress(ctx)
    report(FormationProgress(steps=4_000, max_steps=10_000, time_limit=120.0, connected=3, placed=36, score=41.5))
    report(FormationProgress(steps=6_000, max_steps=10_000, time_limit=120.0, connected=3, placed=37, score=42.0))  # within a second: skipped
    assert ctx.calls == [(4_000, 10_000, "Searching (4,000 steps so far): best so far 36 people placed in sets, 3 isolated people connected")]
