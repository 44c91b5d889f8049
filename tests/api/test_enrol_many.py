"""Enrolment at scale, the reading part (issue 17): lists and CSV files read line by line, every line that cannot be enrolled
named in words, people who cannot be found read as unknown, and filters checked before the store is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.services import enrol_many
from graph.embedded.store import EmbeddedStore
from network.domain import Assessor, Programme


@pytest.fixture
def store(tmp_path: Path):
    s = EmbeddedStore(tmp_path / "enrol.sqlite3")
    s.ensure_schema()
    s.create_programme(Programme(id="prog-1", name="Lists 2027"))
    for k, changes in enumerate([{}, {}, {"discoverable": False}, {"active": False}]):
        s.create_assessor(Assessor(id=f"a-{k}", name=f"Person {k}", email=f"p{k}@example.org", **({"discoverable": True} | changes)))
    yield s
    s.close()


def test_a_list_is_read_line_by_line_with_every_problem_in_words(store) -> None:
    store.enrol("prog-1", "a-1")
    read = enrol_many.read_list(store, "prog-1", "P0@EXAMPLE.org, a-0\n\np1@example.org\np2@example.org\na-3\n@@\nunknown-id")
    assert read.ids == ("a-0",)
    assert read.problems == (
        "Line 1: Person 0 is named again (first on line 1).",
        "Line 3: Person 1 is already enrolled.",
        "Line 4: no one we can enrol has the e-mail p2@example.org.",  # opted out: as if unknown
        "Line 5: no one we can enrol has the id a-3.",  # inactive: as if unknown
        "Line 6: '@@' is not an e-mail address.",
        "Line 7: no one we can enrol has the id unknown-id.",
    )
    assert enrol_many.read_list(store, "prog-1", " \n ").problems == ("The list names nobody: give one e-mail address or id a line.",)


def test_a_csv_file_needs_an_email_or_id_column_and_is_numbered_as_in_the_file(store) -> None:
    read = enrol_many.read_csv(store, "prog-1", b"\xef\xbb\xbfName,Email\nPerson 0,p0@example.org\nPerson 9,p9@example.org\n")
    assert read.ids == ("a-0",) and read.problems == ("Line 3: no one we can enrol has the e-mail p9@example.org.",)
    assert enrol_many.read_csv(store, "prog-1", b"name,organisation\nx,y\n").problems == (
        "The file's first row needs a column called email or id (found: name, organisation).",
    )
    assert enrol_many.read_csv(store, "prog-1", b"\xff\xfe").problems[0].startswith("The file is not UTF-8 text")
    assert enrol_many.read_csv(store, "prog-1", b"").problems[0].startswith("The file is empty")


def test_filters_are_checked_in_words() -> None:
    criteria, isolated, problems = enrol_many.criteria_from(
        {"slot": "someday", "experience_min": "two", "experience_max": "99", "isolated": "yes", "not_in_set": "yes"}, ["org-1"]
    )
    assert problems == ["Weekly time: choose one from the list.", "Experience from: give a number of years, not 'two'.", "Experience to: give a number of years from 0 to 60."]
    assert criteria.organisation_ids == ("org-1",) and criteria.not_in_set and isolated and criteria.slot is None
