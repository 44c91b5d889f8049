"""Set formation tells a job how far its search is, without changing what it finds."""

from __future__ import annotations

from network.formation import FormationProgress, Member, Rules, form_sets

SLOTS = ("mon-am", "tue-pm", "thu-am")


def pool(n: int = 40) -> list[Member]:
    return [
        Member(f"p{i:03d}", organisation_id=f"org{i % 13}", availability=(SLOTS[i % 3], SLOTS[(i * 7) % 3]), experience_years=i % 20)
        for i in range(n)
    ]


def test_progress_reports_steps_and_the_best_so_far_and_never_changes_the_result() -> None:
    seen: list[FormationProgress] = []
    rules = Rules(size_min=4, size_max=7, size_target=6)
    with_reports = form_sets(pool(), rules, seed=5, time_limit=None, max_iterations=8_000, progress=seen.append)
    without = form_sets(pool(), rules, seed=5, time_limit=None, max_iterations=8_000)
    assert [s.members for s in with_reports.sets] == [s.members for s in without.sets]
    assert len(seen) >= 2
    assert all(p.max_steps == 8_000 for p in seen)
    steps = [p.steps for p in seen]
    assert steps == sorted(steps) and steps[-1] <= 8_000
    best = [(p.connected, p.placed, p.score) for p in seen]  # isolated people first, the default
    assert best == sorted(best)  # the best so far never gets worse
    assert seen[-1].placed <= with_reports.placed
