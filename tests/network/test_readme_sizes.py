"""The README states the default set sizes the programmes and the engine use (issue 22: it said 4-8 where the default is 4-7)."""

from __future__ import annotations

import re
from pathlib import Path

from network.domain import Programme
from network.formation import Rules

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_gives_the_default_set_sizes() -> None:
    found = re.search(r"small online sets \((\d+)–(\d+) people", README.read_text(encoding="utf-8"))
    assert found, "the README's opening names the set sizes"
    programme = Programme(id="p-1", name="Defaults")
    assert (int(found[1]), int(found[2])) == (programme.set_size_min, programme.set_size_max) == (Rules().size_min, Rules().size_max)
