"""The CSV interchange format: validation with exact file/line/field errors, skip-invalid cascades, and exact round trips."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from network.bundle import BUNDLE_KINDS, Bundle
from network.csvio import COLUMNS, FILES, CsvFormatError, ImportPlan, RowError, read_dir, write_dir
from network.domain import (
    REGIONS,
    Assessor,
    Contact,
    Employment,
    Organisation,
    Theme,
    ThemeLink,
)
from network.taxonomy import theme_by_id
from tests.strategies import bundles

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"

ORGS = "id,name,kind,region\norg-1,Northmoor County Council,local_authority,north_east\norg-2,Riverside Family Support,voluntary,london\n"
ASSESSOR_HEADER = "id,name,email,organisation_id,experience_years,discoverable,availability,themes,bio\n"


def write(directory: Path, **files: str | bytes) -> Path:
    """Write ``name=text`` as ``name.csv`` (text as UTF-8 with \\n line ends; bytes exactly)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / f"{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return directory


def errors(plan: ImportPlan) -> list[str]:
    return [str(e) for e in plan.errors]


def where(plan: ImportPlan) -> list[tuple[str, int, str | None]]:
    return [(e.file, e.line, e.field) for e in plan.errors]


def canonical(bundle: Bundle) -> dict[str, list]:
    """A bundle as sorted lists, so two bundles compare equal whatever their row order."""
    return {kind: sorted(getattr(bundle, kind), key=repr) for kind in BUNDLE_KINDS}


def nothing_stored(label: str, ids: set[str]) -> set[str]:
    return set()


# --------------------------------------------------------------------------- a valid directory


def test_the_valid_fixture_reads_every_column_with_defaults_and_the_taxonomy():
    plan = read_dir(FIXTURES / "valid", nothing_stored)
    assert plan.ok and plan.errors == []
    assert plan.rows_read == {"organisations.csv": 3, "themes.csv": 1, "assessors.csv": 3, "contacts.csv": 2}
    assert plan.rows_rejected == dict.fromkeys(plan.rows_read, 0)
    b = plan.bundle
    ada, ben, cara = b.assessors
    assert ada == Assessor(
        id="a-ada",
        name="Ada Okafor",
        email="ada@example.org",
        region="north_east",
        experience_years=7,
        capacity=2,
        discoverable=True,
        paused=False,
        active=True,
        availability=("tue-pm", "thu-am"),
        bio="Practice educator in a small team.\nHappy to talk about kinship assessments.",
    )
    assert ben.discoverable is True and ben.paused is False  # yes / no
    assert cara == Assessor(id="a-cara", name="Cara Lewis")  # every empty cell is the domain default
    assert b.employments == [
        Employment("a-ada", "org-northmoor", date(2019, 9, 1)),
        Employment("a-ben", "org-riverside", None),
    ]
    assert b.theme_links == [
        ThemeLink("a-ada", "pcf-knowledge", "experienced"),
        ThemeLink("a-ada", "practice-kinship-care", "exploring"),
        ThemeLink("a-ben", "pcf-knowledge", "experienced"),  # level omitted: experienced
    ]
    # pcf-knowledge is built in, not in themes.csv and not stored: it joins the bundle.
    assert b.themes == [Theme("practice-kinship-care", "Kinship care", "practice"), theme_by_id("pcf-knowledge")]
    assert b.contacts == [
        Contact("a-ada", "a-ben", "accepted", date(2026, 1, 5), "action learning set"),
        Contact("a-cara", "a-ada", "requested", None, None),
    ]


def test_optional_columns_and_files_may_be_left_out_and_headers_ignore_case_and_spaces(tmp_path):
    d = write(tmp_path, assessors=" ID , Name \nx-1,Sam\n")
    plan = read_dir(d)
    assert plan.ok and plan.rows_read == {"assessors.csv": 1}
    assert plan.bundle.assessors == [Assessor("x-1", "Sam")]


def test_booleans_accept_every_spelling_in_any_case(tmp_path):
    rows = "".join(f"a-{i},A,{t},{f}\n" for i, (t, f) in enumerate([("TRUE", "False"), ("Yes", "NO"), ("1", "0")]))
    plan = read_dir(write(tmp_path, assessors="id,name,discoverable,active\n" + rows))
    assert plan.ok
    assert {(a.discoverable, a.active) for a in plan.bundle.assessors} == {(True, False)}


def test_a_leading_bom_and_crlf_line_ends_are_tolerated(tmp_path):
    d = write(tmp_path, organisations=b"\xef\xbb\xbfid,name,kind,region\r\norg-1,\xc3\x89cole,university,london\r\n")
    plan = read_dir(d)
    assert plan.ok
    assert plan.bundle.organisations == [Organisation("org-1", "École", "university", "london")]


def test_blank_lines_and_trailing_empty_rows_are_skipped_without_shifting_line_numbers(tmp_path):
    d = write(tmp_path, organisations="\nid,name,kind,region\n\norg-1,A,voluntary,london\n,,,\norg-2,B,charity,london\n")
    plan = read_dir(d)
    assert errors(plan) == [
        "organisations.csv:6: kind: must be one of local_authority, nhs_trust, voluntary, independent, agency, university, got 'charity'"
    ]
    assert plan.rows_read == {"organisations.csv": 2}


# --------------------------------------------------------------------------- errors, exactly placed


def test_every_problem_is_reported_at_once_in_file_line_and_column_order_and_nothing_is_imported():
    plan = read_dir(FIXTURES / "invalid", nothing_stored)
    assert not plan.ok
    assert len(plan.bundle) == 0  # any error and no skip_invalid: nothing to write
    assert errors(plan) == [
        "organisations.csv:2: kind: must be one of local_authority, nhs_trust, voluntary, independent, agency, university, got 'council'",
        "organisations.csv:4: id: duplicate id 'org-2' (first on line 3)",
        "assessors.csv:2: organisation_id: organisation 'org-1' is not imported: its row organisations.csv:2 has errors",
        "assessors.csv:3: email: must be an email address, got 'not-an-email'",
        "assessors.csv:3: experience_years: must be 0 or more, got -1",
        "assessors.csv:3: discoverable: must be true/false, yes/no or 1/0, got 'maybe'",
        "assessors.csv:3: availability: unknown availability slot(s): tue-xx "
        "(expected day-part such as 'tue-pm'; days mon/tue/wed/thu/fri/sat/sun, parts am/pm/eve)",
        "assessors.csv:3: themes: level must be one of exploring, experienced, got 'expert' in 'pcf-knowledge:expert'",
        "assessors.csv:4: organisation_id: unknown organisation 'org-9' (not in organisations.csv and not stored)",
        "assessors.csv:4: themes: unknown theme 'no-such-theme' (not in themes.csv, not stored and not built in)",
        "contacts.csv:2: to_id: an assessor cannot contact themself",
        "contacts.csv:3: to_id: assessor 'a-1' is not imported: its row assessors.csv:2 has errors",
        "contacts.csv:3: since: must be a date written YYYY-MM-DD, got '2026-13-01'",
        "contacts.csv:4: the contact between 'a-1' and 'a-4' is already given on line 3 (one contact per pair, either direction)",
        "contacts.csv:4: from_id: assessor 'a-1' is not imported: its row assessors.csv:2 has errors",
        "contacts.csv:5: to_id: unknown assessor 'a-zed' (not in assessors.csv and not stored)",
        "contacts.csv:6: to_id: assessor 'a-2' is not imported: its row assessors.csv:3 has errors",
    ]
    assert plan.rows_read == {"organisations.csv": 3, "assessors.csv": 4, "contacts.csv": 5}


def test_row_error_reads_like_a_compiler_message():
    assert str(RowError("assessors.csv", 14, "experience_years", "must be 0 or more, got -1")) == (
        "assessors.csv:14: experience_years: must be 0 or more, got -1"
    )
    whole_row = RowError("contacts.csv", 3, None, "has 6 fields but the header has 5")
    assert str(whole_row) == "contacts.csv:3: has 6 fields but the header has 5"


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("a-9,Al,,,-1,,,,", "experience_years", "must be 0 or more, got -1"),
        ("a-9,Al,,,three,,,,", "experience_years", "must be a whole number, got 'three'"),
        ("a-9,Al,,,2.5,,,,", "experience_years", "must be a whole number, got '2.5'"),
        ("a-9,Al,,,,nope,,,", "discoverable", "must be true/false, yes/no or 1/0, got 'nope'"),
        ("a-9,Al,al@,,,,,,", "email", "must be an email address, got 'al@'"),
        ("a 9,Al,,,,,,,", "id", "must be 1-64 letters, digits or _.:- starting with a letter or digit, got 'a 9'"),
        ("a-9,  ,,,,,,,", "name", "must not be empty"),
        ("a-9,Al,,org 1,,,,,", "organisation_id", "must be 1-64 letters, digits or _.:- starting with a letter or digit, got 'org 1'"),
        ("a-9,Al,,,,,,pcf-knowledge;pcf-knowledge:exploring,", "themes", "theme 'pcf-knowledge' is listed more than once"),
        (
            "a-9,Al,,,,,,bad theme:exploring,",
            "themes",
            "'bad theme' is not a theme id (1-64 letters, digits or _.:-) in 'bad theme:exploring'",
        ),
        ("a-9,Al,,,,,,," + "x" * 2001, "bio", "must be at most 2000 characters"),
    ],
)
def test_each_bad_assessor_cell_names_its_line_and_field(tmp_path, row, field, message):
    d = write(tmp_path, organisations=ORGS, assessors=ASSESSOR_HEADER + "a-0,Fine,,org-1,,,,,\n" + row + "\n")
    plan = read_dir(d)
    assert [(e.file, e.line, e.field, e.message) for e in plan.errors] == [("assessors.csv", 3, field, message)]
    assert len(plan.bundle) == 0


def test_dates_must_be_iso_and_employed_since_needs_an_organisation(tmp_path):
    d = write(
        tmp_path,
        organisations=ORGS,
        assessors="id,name,organisation_id,employed_since\na-1,A,org-1,01/02/2024\na-2,B,,2024-01-02\na-3,C,org-2,2024-02-29\n",
    )
    plan = read_dir(d)
    assert errors(plan) == [
        "assessors.csv:2: employed_since: must be a date written YYYY-MM-DD, got '01/02/2024'",
        "assessors.csv:3: employed_since: is given without an organisation_id",
    ]


def test_bad_organisation_and_theme_values_come_from_the_domain(tmp_path):
    d = write(
        tmp_path,
        organisations="id,name,kind,region\norg-1,A,voluntary,wales\n",
        themes="id,name,framework\nt-1,Kinship,ofsted\nt-2,,\n",
    )
    plan = read_dir(d)
    assert where(plan) == [("organisations.csv", 2, "region"), ("themes.csv", 2, "framework"), ("themes.csv", 3, "name")]
    assert plan.errors[0].message.endswith("got 'wales'")


def test_duplicate_ids_are_reported_on_the_later_line_naming_the_earlier(tmp_path):
    d = write(tmp_path, themes="id,name\nt-1,One\nt-2,Two\nt-1,One again\n")
    assert errors(read_dir(d)) == ["themes.csv:4: id: duplicate id 't-1' (first on line 2)"]


def test_contacts_self_repeated_either_way_bad_status_and_unknown_ends(tmp_path):
    d = write(
        tmp_path,
        assessors="id,name\na-1,A\na-2,B\na-3,C\n",
        contacts="from_id,to_id,status\na-1,a-2,accepted\na-2,a-1,requested\na-1,a-2,\na-3,a-3,\na-3,a-1,friends\na-3,ghost,\n",
    )
    plan = read_dir(d)
    assert where(plan) == [
        ("contacts.csv", 3, None),
        ("contacts.csv", 4, None),
        ("contacts.csv", 5, "to_id"),
        ("contacts.csv", 6, "status"),
        ("contacts.csv", 7, "to_id"),
    ]
    assert plan.errors[0].message.startswith("the contact between 'a-1' and 'a-2' is already given on line 2")
    assert plan.errors[2].message == "an assessor cannot contact themself"
    assert plan.errors[4].message == "unknown assessor 'ghost' (not in assessors.csv and not stored)"


def test_every_bad_field_of_one_row_is_reported_not_just_the_first(tmp_path):
    d = write(tmp_path, organisations="id,name,kind,region\n-bad,  ,shop,mars\n")
    plan = read_dir(d)
    assert where(plan) == [("organisations.csv", 2, f) for f in ("id", "name", "kind", "region")]


def test_a_quoted_multi_line_bio_keeps_the_line_numbers_of_later_rows(tmp_path):
    bio = '"Line one\nline two, with a comma\r\nline ""three"""'
    d = write(tmp_path, assessors=f'id,name,bio,capacity\na-1,A,{bio},1\na-2,B,,-3\na-3,C,"x\ny",z\n')
    plan = read_dir(d)
    assert errors(plan) == [
        "assessors.csv:5: capacity: must be 0 or more, got -3",
        "assessors.csv:6: capacity: must be a whole number, got 'z'",  # the row starts on line 6, spans 6-7
    ]


# --------------------------------------------------------------------------- headers and malformed files


def test_an_unknown_column_names_file_line_one_and_the_allowed_columns_and_rows_are_still_checked(tmp_path):
    d = write(tmp_path, organisations="id,name,kind,region,colour\norg-1,A,voluntary,london,red\norg-2,B,voluntary,leeds,blue\n")
    plan = read_dir(d, skip_invalid=True)
    assert errors(plan) == [
        "organisations.csv:1: unknown column 'colour' (allowed: id, name, kind, region)",
        f"organisations.csv:3: region: must be one of {', '.join(REGIONS)}, got 'leeds'",
    ]
    assert len(plan.bundle) == 0  # a file with a bad header is rejected whole, even with skip_invalid
    assert plan.rows_rejected == {"organisations.csv": 2}


def test_a_missing_required_column_is_one_error_not_one_per_row(tmp_path):
    d = write(tmp_path, organisations="id,name,kind\norg-1,A,voluntary\norg-2,B,voluntary\n")
    assert errors(read_dir(d)) == ["organisations.csv:1: missing required column 'region'"]


def test_a_repeated_column_is_a_header_error(tmp_path):
    d = write(tmp_path, themes="id,name,Name\nt-1,A,B\n")
    assert errors(read_dir(d)) == ["themes.csv:1: column 'name' appears more than once"]


def test_unnamed_columns_left_by_a_spreadsheet_are_ignored_while_empty(tmp_path):
    assert read_dir(write(tmp_path / "a", themes="id,name,,\nt-1,A,,\nt-2,B, ,\n")).ok
    d = write(tmp_path / "b", themes="id,name,,\nt-1,A,,\nt-2,B,,x\nt-3,C,,y\n")
    assert errors(read_dir(d)) == ["themes.csv:1: column 4 has no name but holds values (first on line 3); name it or delete it"]


def test_ragged_rows_are_errors(tmp_path):
    d = write(tmp_path, organisations=ORGS + "org-3,C,voluntary,london,extra\norg-4,D\n")
    assert errors(read_dir(d)) == [
        "organisations.csv:4: has 5 fields but the header has 4",
        "organisations.csv:5: has 2 fields but the header has 4",
    ]


def test_an_empty_file_is_an_error_not_an_exception(tmp_path):
    d = write(tmp_path, organisations=ORGS, contacts=b"\xef\xbb\xbf\r\n")
    plan = read_dir(d)
    assert errors(plan) == ["contacts.csv:1: is empty: expected a header row with from_id, to_id"]
    assert plan.rows_read["contacts.csv"] == 0


def test_invalid_utf8_and_nul_reject_only_their_rows(tmp_path):
    d = write(
        tmp_path,
        organisations=b"id,name,kind,region\norg-1,Caf\xe9,voluntary,london\norg-2,B\x00,voluntary,london\norg-3,C,voluntary,london\n",
    )
    plan = read_dir(d, skip_invalid=True)
    assert errors(plan) == [
        "organisations.csv:2: is not valid UTF-8; save the file as UTF-8 CSV",
        "organisations.csv:3: contains a NUL character (is this a binary file, or text that is not UTF-8?)",
    ]
    assert [o.id for o in plan.bundle.organisations] == ["org-3"]


def test_a_utf16_file_is_named_as_such(tmp_path):
    d = write(tmp_path, organisations="id,name,kind,region\n".encode("utf-16"))
    assert errors(read_dir(d)) == ["organisations.csv:1: the file is UTF-16; save it as UTF-8 CSV"]


def test_a_path_that_is_not_a_csv_directory_raises(tmp_path):
    with pytest.raises(CsvFormatError, match="is not a directory"):
        read_dir(tmp_path / "missing")
    (tmp_path / "notes.csv").write_text("id\n")
    with pytest.raises(CsvFormatError, match="holds none of organisations.csv, themes.csv, assessors.csv, contacts.csv"):
        read_dir(tmp_path)
    assert issubclass(CsvFormatError, ValueError)


# --------------------------------------------------------------------------- skip_invalid and the cascade


def test_skip_invalid_keeps_the_good_rows_and_cascades_through_assessors_to_contacts():
    plan = read_dir(FIXTURES / "invalid", nothing_stored, skip_invalid=True)
    b = plan.bundle
    assert [o.id for o in b.organisations] == ["org-2"]
    assert [a.id for a in b.assessors] == ["a-4"]  # a-1 fell with its organisation org-1
    assert b.employments == [Employment("a-4", "org-2")]
    assert b.contacts == []  # every contact named a-1, a-2 or an unknown assessor, or was bad itself
    assert plan.rows_rejected == {"organisations.csv": 2, "assessors.csv": 3, "contacts.csv": 5}
    # The same errors as without skip_invalid: the list says what was left out and why.
    assert plan.errors == read_dir(FIXTURES / "invalid", nothing_stored).errors


def test_the_cascade_reaches_a_contact_through_a_dependent_assessor(tmp_path):
    d = write(
        tmp_path,
        organisations="id,name,kind,region\norg-1,A,voluntary,atlantis\norg-2,B,voluntary,london\n",
        assessors="id,name,organisation_id\na-1,Ann,org-1\na-2,Bob,org-2\na-3,Cy,org-2\n",
        contacts="from_id,to_id\na-2,a-1\na-2,a-3\n",
    )
    plan = read_dir(d, skip_invalid=True)
    assert where(plan) == [
        ("organisations.csv", 2, "region"),
        ("assessors.csv", 2, "organisation_id"),
        ("contacts.csv", 2, "to_id"),
    ]
    assert plan.errors[2].message == "assessor 'a-1' is not imported: its row assessors.csv:2 has errors"
    assert [c.to_id for c in plan.bundle.contacts] == ["a-3"]
    assert [a.id for a in plan.bundle.assessors] == ["a-2", "a-3"]


def test_a_rejected_header_cascades_to_the_rows_that_need_the_file(tmp_path):
    orgs = "id,name,kind,region,x\norg-1,A,voluntary,london,1\n"
    d = write(tmp_path, organisations=orgs, assessors="id,name,organisation_id\na-1,Ann,org-1\n")
    plan = read_dir(d, skip_invalid=True)
    assert errors(plan)[1] == "assessors.csv:2: organisation_id: organisation 'org-1' is not imported: organisations.csv is rejected"
    assert len(plan.bundle) == 0


def test_a_duplicate_row_does_not_cascade_because_the_first_row_defines_the_id(tmp_path):
    d = write(tmp_path, organisations=ORGS + "org-1,Again,voluntary,london\n", assessors="id,name,organisation_id\na-1,Ann,org-1\n")
    plan = read_dir(d, skip_invalid=True)
    assert where(plan) == [("organisations.csv", 4, "id")]
    assert plan.bundle.employments == [Employment("a-1", "org-1")]
    assert plan.bundle.organisations[0].name == "Northmoor County Council"


# --------------------------------------------------------------------------- references to the store and the taxonomy


class FakeStore:
    """Answers ``existing_ids`` from a fixed set and records every question."""

    def __init__(self, **stored: set[str]) -> None:
        self.stored = stored
        self.asked: list[tuple[str, set[str]]] = []

    def existing_ids(self, label: str, ids: set[str]) -> set[str]:
        self.asked.append((label, set(ids)))
        return self.stored.get(label, set()) & set(ids)


def test_references_may_point_to_stored_nodes_and_the_store_is_asked_once_per_label_about_undefined_ids(tmp_path):
    d = write(
        tmp_path,
        organisations=ORGS,
        assessors="id,name,organisation_id,themes\na-1,Ann,org-1,t-stored\na-2,Bob,org-old,pcf-knowledge;t-stored:exploring\n",
        contacts="from_id,to_id\na-1,a-old\na-2,a-1\n",
    )
    store = FakeStore(Organisation={"org-old"}, Theme={"t-stored"}, Assessor={"a-old"})
    plan = read_dir(d, store.existing_ids)
    assert plan.ok, errors(plan)
    assert sorted(store.asked) == [
        ("Assessor", {"a-old"}),
        ("Organisation", {"org-old"}),
        ("Theme", {"pcf-knowledge", "t-stored"}),
    ]
    assert plan.bundle.employments[1] == Employment("a-2", "org-old")
    assert plan.bundle.themes == [theme_by_id("pcf-knowledge")]  # stored t-stored is not re-added


def test_a_built_in_theme_already_stored_is_not_added_again(tmp_path):
    d = write(tmp_path, assessors="id,name,themes\na-1,Ann,pcf-knowledge\n")
    assert read_dir(d, FakeStore(Theme={"pcf-knowledge"}).existing_ids).bundle.themes == []


def test_the_store_is_not_asked_when_the_files_define_everything(tmp_path):
    store = FakeStore()
    plan = read_dir(FIXTURES / "valid", store.existing_ids, builtin_themes=[theme_by_id("pcf-knowledge")])
    assert plan.ok
    assert store.asked == [("Theme", {"pcf-knowledge"})]  # the only id no file defines


def test_without_the_store_an_unknown_id_is_an_error(tmp_path):
    d = write(tmp_path, assessors="id,name,organisation_id\na-1,Ann,org-old\n")
    assert where(read_dir(d)) == [("assessors.csv", 2, "organisation_id")]


def test_a_stored_id_rescues_a_reference_whose_row_in_the_files_is_bad(tmp_path):
    # org-1's row is bad (skipped), but org-1 is stored: the assessor links to the stored one.
    d = write(tmp_path, organisations="id,name,kind,region\norg-1,A,shop,london\n", assessors="id,name,organisation_id\na-1,Ann,org-1\n")
    plan = read_dir(d, FakeStore(Organisation={"org-1"}).existing_ids, skip_invalid=True)
    assert where(plan) == [("organisations.csv", 2, "kind")]
    assert plan.bundle.employments == [Employment("a-1", "org-1")]


def test_a_theme_id_with_a_colon_is_written_with_its_level(tmp_path):
    d = write(tmp_path, themes="id,name\nkss:ethics,Ethics\n", assessors="id,name,themes\na-1,Ann,kss:ethics:exploring\n")
    plan = read_dir(d)
    assert plan.ok and plan.bundle.theme_links == [ThemeLink("a-1", "kss:ethics", "exploring")]


# --------------------------------------------------------------------------- writing


def handwritten() -> Bundle:
    return Bundle(
        organisations=[
            Organisation("org-2", 'Riverside, "Family" Support', "voluntary", "london"),
            Organisation("org-1", "Northmoor County Council", "local_authority", "north_east"),
        ],
        themes=[Theme("t-b", "Béta théme", "practice"), Theme("pcf-knowledge", "Knowledge", "pcf")],
        assessors=[
            Assessor("a-2", "Ben", availability=("thu-am", "mon-pm")),
            Assessor(
                "a-1",
                "Ada Okafor",
                email="ada@example.org",
                region="north_east",
                experience_years=12,
                discoverable=True,
                paused=True,
                paused_until=date(2027, 1, 31),
                active=False,
                capacity=0,
                availability=("tue-pm",),
                bio='  Two lines,\nand "quotes";\r\nand a CR\r alone. ',
            ),
        ],
        employments=[Employment("a-1", "org-1", date(2020, 2, 29))],
        theme_links=[ThemeLink("a-1", "t-b", "exploring"), ThemeLink("a-1", "pcf-knowledge")],
        contacts=[Contact("a-2", "a-1", "accepted", date(2026, 1, 5), "set, one")],
    )


def test_the_export_is_exactly_this_text(tmp_path):
    counts = write_dir(handwritten(), tmp_path / "out")
    assert counts == {"organisations.csv": 2, "themes.csv": 2, "assessors.csv": 2, "contacts.csv": 1}
    out = tmp_path / "out"
    assert (out / "organisations.csv").read_bytes() == (
        b"id,name,kind,region\r\n"
        b"org-1,Northmoor County Council,local_authority,north_east\r\n"
        b'org-2,"Riverside, ""Family"" Support",voluntary,london\r\n'
    )
    themes = (out / "themes.csv").read_bytes().decode("utf-8")
    assert themes == "id,name,framework\r\npcf-knowledge,Knowledge,pcf\r\nt-b,Béta théme,practice\r\n"
    assert (out / "assessors.csv").read_bytes() == (
        b"id,name,email,organisation_id,region,experience_years,capacity,discoverable,paused,active,availability,themes,bio,employed_since,"
        b"paused_until\r\n"
        b"a-1,Ada Okafor,ada@example.org,org-1,north_east,12,0,true,true,false,tue-pm,pcf-knowledge:experienced;t-b:exploring,"
        b'"  Two lines,\nand ""quotes"";\r\nand a CR\r alone. ",2020-02-29,2027-01-31\r\n'
        b"a-2,Ben,,,,0,1,false,false,true,mon-pm;thu-am,,,,\r\n"
    )
    assert (out / "contacts.csv").read_bytes() == b'from_id,to_id,status,since,via\r\na-2,a-1,accepted,2026-01-05,"set, one"\r\n'
    assert sorted(os.listdir(out)) == sorted(FILES)  # no temporary files left behind


def test_the_handwritten_bundle_round_trips(tmp_path):
    write_dir(handwritten(), tmp_path)
    plan = read_dir(tmp_path, nothing_stored)
    assert plan.ok, errors(plan)
    assert canonical(plan.bundle) == canonical(handwritten())


def test_the_same_bundle_in_any_order_gives_the_same_bytes_and_rewriting_is_stable(tmp_path):
    b = handwritten()
    shuffled = Bundle(**{kind: list(reversed(getattr(b, kind))) for kind in BUNDLE_KINDS})
    write_dir(b, tmp_path / "one")
    write_dir(shuffled, tmp_path / "two")
    write_dir(read_dir(tmp_path / "one").bundle, tmp_path / "three")
    write_dir(b, tmp_path / "three")  # over existing files
    for name in FILES:
        first = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == first
        assert (tmp_path / "three" / name).read_bytes() == first


def test_the_valid_fixture_survives_read_write_read(tmp_path):
    first = read_dir(FIXTURES / "valid").bundle
    write_dir(first, tmp_path)
    assert canonical(read_dir(tmp_path).bundle) == canonical(first)


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        (Bundle(employments=[Employment("a-1", "org-1")]), "employment of assessor 'a-1', who is not in the bundle"),
        (Bundle(theme_links=[ThemeLink("a-1", "t-1")]), "theme link of assessor 'a-1', who is not in the bundle"),
        (
            Bundle(assessors=[Assessor("a-1", "A")], employments=[Employment("a-1", "o-1"), Employment("a-1", "o-2")]),
            "assessor 'a-1' has more than one employment",
        ),
        (Bundle(assessors=[Assessor("a-1", "A"), Assessor("a-1", "B")]), "assessor id 'a-1' appears more than once"),
        (Bundle(contacts=[Contact("a-1", "a-2"), Contact("a-2", "a-1")]), "the contact between 'a-2' and 'a-1' appears more than once"),
        (Bundle(assessors=[Assessor("a-1", "A", bio="nul\x00")]), "assessors.csv: bio of 'a-1' contains a NUL character"),
    ],
)
def test_a_bundle_the_format_cannot_carry_is_refused_before_anything_is_written(tmp_path, bundle, message):
    with pytest.raises(CsvFormatError, match=message.replace("(", r"\(")):
        write_dir(bundle, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_writing_into_a_file_path_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CsvFormatError, match="is not a directory"):
        write_dir(Bundle(), tmp_path / "file")


def test_an_empty_bundle_writes_headers_only_and_reads_back_empty(tmp_path):
    assert write_dir(Bundle(), tmp_path / "a" / "b") == dict.fromkeys(FILES, 0)
    for name in FILES:
        assert (tmp_path / "a" / "b" / name).read_bytes().decode() == ",".join(COLUMNS[name]) + "\r\n"
    plan = read_dir(tmp_path / "a" / "b")
    assert plan.ok and len(plan.bundle) == 0


# --------------------------------------------------------------------------- round trip, property-based


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundles())
def test_any_valid_bundle_round_trips_exactly_and_its_export_is_stable(bundle):
    with tempfile.TemporaryDirectory() as d:
        write_dir(bundle, d)
        first = {name: Path(d, name).read_bytes() for name in FILES}
        plan = read_dir(d, nothing_stored, builtin_themes=())
        assert plan.ok, errors(plan)
        assert canonical(plan.bundle) == canonical(bundle)
        write_dir(plan.bundle, d)
        assert {name: Path(d, name).read_bytes() for name in FILES} == first


def test_broken_quoting_rejects_the_file_at_the_row_where_it_starts(tmp_path):
    # Without this an unclosed quote would swallow every later row into one bio.
    unclosed = write(tmp_path / "a", assessors='id,name,bio\na-1,Ann,"fine"\n\na-2,Bob,"never closed\na-3,Cy,\n')
    plan = read_dir(unclosed, skip_invalid=True)
    assert errors(plan) == ["assessors.csv:4: a quoted field opened in this row is never closed"]
    assert len(plan.bundle) == 0
    stray = write(tmp_path / "b", assessors='id,name,bio\na-1,Ann,"quoted"then text\n')
    assert errors(read_dir(stray)) == [
        "assessors.csv:2: cannot be read as CSV: ',' expected after '\"' (a quote inside a quoted field must be written twice)"
    ]
