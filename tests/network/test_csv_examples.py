"""The examples of the CSV format in README.md and in the help cells of :mod:`network.csvio` pass (or fail) the real check.

Each example is read from the text people read, so the documentation cannot drift from the format.
"""

from __future__ import annotations

import re
from pathlib import Path

from network import availability, csvio
from network.domain import ORGANISATION_KINDS, REGIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def _csv_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### CSV format")
    end = text.index("\n## ", start)
    return text[start:end]


def _codes(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def _after(phrase: str, stop: str = ";") -> list[str]:
    section = _csv_section()
    start = section.index(phrase) + len(phrase)
    return _codes(section[start : section.index(stop, start)])


def _read(tmp_path: Path, rows: str, header: str = "id,name,organisation_id,availability,themes") -> csvio.ImportPlan:
    (tmp_path / "organisations.csv").write_text("id,name,kind,region\norg-1,Northshire Council,local_authority,north_east\n")
    (tmp_path / "assessors.csv").write_text(f"{header}\n{rows}", encoding="utf-8")
    return csvio.read_dir(tmp_path, lambda label, ids: set())


def test_the_readme_lists_every_organisation_kind_and_region() -> None:
    assert _after("`kind` is one of") == list(ORGANISATION_KINDS)
    assert _after("nine regions (", ")") == list(REGIONS)


def test_the_readme_availability_and_themes_examples_pass_the_check(tmp_path: Path) -> None:
    slots = _after("`availability` lists weekly slots such as", "(")
    themes = _after("`themes` lists `theme_id:level` pairs such as", "(")
    assert len(slots) == 1 and len(themes) == 1
    assert availability.parse(slots[0])
    plan = _read(tmp_path, f"a-1,Ada Okafor,org-1,{slots[0]},{themes[0]}\n")
    assert plan.errors == [] and len(plan.bundle.theme_links) == 1


def test_the_help_examples_pass_the_check(tmp_path: Path) -> None:
    plan = _read(tmp_path, f"a-1,Ada Okafor,org-1,{csvio.EXAMPLE_AVAILABILITY},{csvio.EXAMPLE_THEMES}\n")
    assert plan.errors == []
    assert len(plan.bundle.theme_links) == len(csvio.EXAMPLE_THEMES.split(";"))


def test_the_readme_booleans_and_dates_pass_the_check(tmp_path: Path) -> None:
    section = _csv_section()
    sentence = section[section.index("Booleans are") : section.index("`paused_until` is")]
    codes = _codes(sentence)
    flags = [flag for code in codes if re.fullmatch(r"\w+/\w+", code) for flag in code.split("/")]
    day = next(code for code in codes if re.fullmatch(r"\d{4}-\d{2}-\d{2}", code))
    assert len(flags) == 6
    header = "id,name,organisation_id,discoverable,employed_since"
    plan = _read(tmp_path, "".join(f"a-{n},Person {n},org-1,{flag},{day}\n" for n, flag in enumerate(flags)), header)
    assert plan.errors == [] and len(plan.bundle.assessors) == 6


def test_the_readme_error_example_is_what_the_check_says(tmp_path: Path) -> None:
    example = next(c for c in _codes(_csv_section()) if c.startswith("assessors.csv:"))
    match = re.fullmatch(r"assessors\.csv:(\d+): experience_years: .*, got (-?\d+)", example)
    assert match is not None
    line, value = int(match[1]), match[2]
    rows = "".join(f"a-{n},Person {n},org-1,{value if n == line else 3}\n" for n in range(2, line + 1))
    plan = _read(tmp_path, rows, "id,name,organisation_id,experience_years")
    assert [str(e) for e in plan.errors] == [example]


def test_the_valid_fixture_directory_passes_the_check() -> None:
    plan = csvio.read_dir(Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "valid", lambda label, ids: set())
    assert plan.errors == []
