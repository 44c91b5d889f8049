"""The streamed CSV reader (network.csvio.stream_dir): the same rows and the same problems as read_dir, without holding the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from network import csvio, demo
from network.bundle import BUNDLE_KINDS, Bundle


def joined(chunks) -> Bundle:
    out = Bundle()
    for chunk in chunks:
        for kind in BUNDLE_KINDS:
            getattr(out, kind).extend(getattr(chunk, kind))
    return out


@pytest.fixture(scope="module")
def network_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("net")
    bundle = demo.generate(assessors=300, organisations=12, seed=3).bundle
    # Leave out the built-in themes' rows: the reader adds those an assessor names.
    csvio.write_dir(Bundle(bundle.organisations, [], bundle.assessors, bundle.employments, bundle.theme_links, bundle.contacts), d)
    return d


@pytest.mark.parametrize("size", [1, 7, 5000])
def test_the_chunks_hold_what_read_dir_reads(network_dir, size):
    plan = csvio.read_dir(network_dir)
    streamed = csvio.stream_dir(network_dir)
    assert streamed.ok and plan.ok
    assert streamed.rows == len(plan.bundle)
    assert streamed.rows_read == plan.rows_read
    chunks = list(streamed.chunks(size))
    assert all(size <= len(c) < size + 10 for c in chunks[:-1])  # an assessor's rows (employment, up to 8 themes) stay together
    assert joined(chunks) == plan.bundle
    assert joined(streamed.chunks(size)) == plan.bundle  # chunks() reads the files again: a retried write gets the same rows


def test_a_row_names_only_nodes_of_its_own_or_an_earlier_chunk(network_dir):
    seen: dict[str, set[str]] = {"organisations": set(), "themes": set(), "assessors": set()}
    for chunk in csvio.stream_dir(network_dir).chunks(11):
        for kind in seen:
            seen[kind] |= {x.id for x in getattr(chunk, kind)}
        assert {e.organisation_id for e in chunk.employments} <= seen["organisations"]
        assert {link.theme_id for link in chunk.theme_links} <= seen["themes"]
        assert {end for c in chunk.contacts for end in (c.from_id, c.to_id)} <= seen["assessors"]


def test_the_reader_streams_the_files(network_dir, monkeypatch):
    """Taking the first chunk reads only the start of the files: nothing is read whole first."""
    streamed = csvio.stream_dir(network_dir)
    read: list[str] = []
    real = csvio._split_rows

    def counting(text, table):
        for row in real(text, table):
            read.append(table.name)
            yield row

    monkeypatch.setattr(csvio, "_split_rows", counting)
    first = next(streamed.chunks(20))
    assert len(first) >= 20
    assert len(read) <= 20
    assert sum(streamed.rows_read.values()) > 10 * len(read)


def test_the_check_holds_far_less_than_reading_everything(network_dir):
    """The check pass keeps ids and contact pairs, not rows: its peak memory is a fraction of read_dir's."""
    import tracemalloc

    def peak(fn) -> int:
        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    held = peak(lambda: csvio.read_dir(network_dir))
    streamed = peak(lambda: csvio.stream_dir(network_dir))
    assert streamed * 3 < held


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("organisations.csv", "id,name,kind,region\norg-1,North,local_authority,north_east\norg-1,Again,voluntary,london\n"),
        ("assessors.csv", "id,name,organisation_id\na-1,Ann Lee,nowhere\n"),
        ("assessors.csv", "id,name,themes\na-1,Ann Lee,no-such-theme:exploring\n"),
        ("contacts.csv", "from_id,to_id\na-1,a-2\n"),
        ("assessors.csv", 'id,name\na-1,"Ann\n'),
        ("assessors.csv", "id,name,experience_years\na-1,Ann Lee,-1\n"),
    ],
)
def test_problems_are_read_dirs_own(tmp_path, file, text):
    (tmp_path / file).write_text(text, encoding="utf-8")
    streamed = csvio.stream_dir(tmp_path)
    plan = csvio.read_dir(tmp_path)
    assert not streamed.ok
    assert streamed.errors == plan.errors
    with pytest.raises(csvio.CsvFormatError):
        next(streamed.chunks())


def test_a_repeated_contact_pair_is_a_problem(tmp_path):
    (tmp_path / "assessors.csv").write_text("id,name\na-1,Ann Lee\na-2,Bo Chen\n", encoding="utf-8")
    (tmp_path / "contacts.csv").write_text("from_id,to_id\na-1,a-2\na-2,a-1\n", encoding="utf-8")
    streamed = csvio.stream_dir(tmp_path)
    assert not streamed.ok and streamed.errors == csvio.read_dir(tmp_path).errors


def test_a_file_changed_after_the_check_fails_the_chunks(tmp_path):
    (tmp_path / "assessors.csv").write_text("id,name\na-1,Ann Lee\na-2,Bo Chen\n", encoding="utf-8")
    streamed = csvio.stream_dir(tmp_path)
    assert streamed.ok
    (tmp_path / "assessors.csv").write_text("id,name,experience_years\na-1,Ann Lee,-4\n", encoding="utf-8")
    with pytest.raises(csvio.CsvFormatError):
        list(streamed.chunks())


def test_stored_references_are_looked_up_once_per_label(tmp_path):
    (tmp_path / "assessors.csv").write_text("id,name,organisation_id\na-1,Ann Lee,org-9\na-2,Bo Chen,org-9\n", encoding="utf-8")
    asked: list[tuple[str, set[str]]] = []

    def known(label, ids):
        asked.append((label, set(ids)))
        return set(ids) if label == "Organisation" else set()

    streamed = csvio.stream_dir(tmp_path, known)
    assert streamed.ok and streamed.rows == 4  # two assessors, two employments
    assert asked == [("Organisation", {"org-9"})]
