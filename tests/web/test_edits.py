"""``web.edits``: a form save passes on only the fields whose value differs from what the form showed."""

from __future__ import annotations

from datetime import date

from web import edits


def test_only_the_fields_that_differ_from_what_was_shown_are_kept() -> None:
    shown = {"name": "Spring", "starts_on": date(2027, 1, 4), "weights": (("new_ties", 3.0),), "region": None, "availability": ("tue-pm",)}
    text = edits.shown(shown)
    submitted = dict(shown, name="Summer", weights=(("new_ties", 4.0),))
    assert edits.edited(submitted, text) == {"name": "Summer", "weights": (("new_ties", 4.0),)}
    assert edits.edited(shown, text) == {}


def test_a_field_the_form_did_not_show_counts_as_changed() -> None:
    assert edits.edited({"name": "Spring", "bio": "New"}, edits.shown({"name": "Spring"})) == {"bio": "New"}


def test_without_a_readable_record_every_field_counts_as_changed() -> None:
    submitted = {"name": "Spring", "capacity": 2}
    for text in (None, "", "not json", "[1, 2]", "{"):
        assert edits.edited(submitted, text) == submitted
