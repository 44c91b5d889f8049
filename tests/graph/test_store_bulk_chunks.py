"""Contract: bulk upsert of a stream of chunks (``bulk_upsert_chunks``): one transaction, all of it or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from graph.port import Invalid
from network.bundle import BUNDLE_KINDS, Bundle
from network.domain import Contact, ThemeLink
from tests.graph.test_store_bulk import EMPTY, created, sample_bundle, sizes, sorted_bundle, unchanged, updated


def one_kind_per_chunk(bundle: Bundle) -> list[Bundle]:
    """The bundle split into one chunk per row, in dependency order: later chunks name nodes of earlier ones."""
    out = []
    for kind in BUNDLE_KINDS:
        for row in getattr(bundle, kind):
            chunk = Bundle()
            getattr(chunk, kind).append(row)
            out.append(chunk)
    return out


def test_chunks_are_written_as_one_import(store, make):
    bundle = sample_bundle(make)
    chunks = one_kind_per_chunk(bundle)
    report = store.bulk_upsert_chunks(lambda: iter(chunks), batch_size=2)
    assert created(report) == sizes(bundle) and updated(report) == EMPTY
    assert store.export_bundle() == sorted_bundle(bundle)
    again = store.bulk_upsert_chunks(lambda: iter(chunks))
    assert not again.changed and unchanged(again) == sizes(bundle)


def test_a_bad_row_in_the_last_chunk_writes_nothing_of_the_earlier_ones(store, make):
    bundle = sample_bundle(make)
    ghost = make.assessor(99).id
    chunks = [*one_kind_per_chunk(bundle), Bundle(contacts=[Contact(bundle.assessors[0].id, ghost)])]
    with pytest.raises(Invalid) as failure:
        store.bulk_upsert_chunks(lambda: iter(chunks))
    assert ghost in str(failure.value)
    assert store.counts() == EMPTY


def test_a_failing_reader_leaves_stored_data_untouched(store, make):
    bundle = sample_bundle(make)
    store.bulk_upsert(replace(bundle, contacts=[]))
    before = store.export_bundle()
    changed = replace(bundle, assessors=[replace(a, experience_years=33) for a in bundle.assessors])

    def chunks() -> Iterator[Bundle]:
        yield Bundle(assessors=changed.assessors)
        raise OSError("the file went away")

    with pytest.raises(OSError):
        store.bulk_upsert_chunks(chunks)
    assert store.export_bundle() == before


def test_a_chunk_repeating_its_own_key_is_invalid(store, make):
    bundle = sample_bundle(make)
    link = bundle.theme_links[0]
    chunks = [replace(bundle, theme_links=[*bundle.theme_links, ThemeLink(link.assessor_id, link.theme_id, link.level)])]
    with pytest.raises(Invalid):
        store.bulk_upsert_chunks(lambda: iter(chunks))
    assert store.counts() == EMPTY
