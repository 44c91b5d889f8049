"""Suite-wide rules: under ``CI=true`` a skipped Neo4j test fails the run."""

from __future__ import annotations

import os

import pytest

ON_CI = os.environ.get("CI", "").lower() == "true"
_skipped_neo4j: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("neo4j") is not None:
        _skipped_neo4j.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if ON_CI and _skipped_neo4j and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if ON_CI and _skipped_neo4j:
        terminalreporter.write_line(f"CI=true: {len(_skipped_neo4j)} Neo4j test(s) were skipped; a skip is a failure here.", red=True)
