"""The CSV interchange format: one directory of UTF-8 CSV files, read with full validation and written back exactly.

A directory holds up to four files, each with a header row (``csv`` dialect *excel*; a leading
byte order mark is tolerated; header names are matched without regard to case or surrounding
spaces):

=====================  ==============================================================================
file                   columns (required ones first, in **bold** in the docs; the rest are optional)
=====================  ==============================================================================
``organisations.csv``  **id, name, kind, region**
``themes.csv``         **id, name**, framework
``assessors.csv``      **id, name**, email, organisation_id, region, experience_years, capacity,
                       discoverable, paused, active, availability, themes, bio, employed_since,
                       paused_until
``contacts.csv``       **from_id, to_id**, status, since, via
=====================  ==============================================================================

Cell formats: booleans ``true/false/yes/no/1/0`` (any case); whole numbers; ISO dates
(``2024-03-01``); ``availability`` as slots separated by ``;`` (``tue-pm;thu-am``); ``themes`` as
``theme_id:level`` pairs separated by ``;`` where the text after the *last* colon is the level and
``:level`` may be left out (level ``experienced``). An empty cell or a missing optional column
means the domain default; an empty ``email``, ``region`` or ``via`` means none; an empty
``organisation_id`` means no employer. Every cell but ``bio`` and ``via`` is stripped of
surrounding spaces.

:func:`read_dir` validates every row of every file before anything is written and reports every
problem as a :class:`RowError` (``assessors.csv:14: experience_years: must be 0 or more, got -1``).
:func:`write_dir` writes a :class:`~network.bundle.Bundle` in exactly that format, byte for byte
the same for the same bundle, so ``read_dir(write_dir(bundle))`` gives the bundle back.

>>> import tempfile
>>> from network.domain import Organisation
>>> with tempfile.TemporaryDirectory() as d:
...     _ = write_dir(Bundle(organisations=[Organisation("org-1", "Northshire", "local_authority", "north_east")]), d)
...     plan = read_dir(d)
>>> plan.ok, [o.id for o in plan.bundle.organisations], plan.rows_read["organisations.csv"]
(True, ['org-1'], 1)
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal

from network import availability, limits
from network.bundle import Bundle
from network.domain import (
    LEVELS,
    ORGANISATION_KINDS,
    REGIONS,
    Assessor,
    Contact,
    Employment,
    InvalidValue,
    Organisation,
    Theme,
    ThemeLink,
    check_id,
)
from network.taxonomy import THEMES as BUILTIN_THEMES

ORGANISATIONS_CSV = "organisations.csv"
THEMES_CSV = "themes.csv"
ASSESSORS_CSV = "assessors.csv"
CONTACTS_CSV = "contacts.csv"

#: The files of the format, in the order they are read and written.
FILES: tuple[str, ...] = (ORGANISATIONS_CSV, THEMES_CSV, ASSESSORS_CSV, CONTACTS_CSV)

#: Every allowed column of each file, in the order :func:`write_dir` writes them.
COLUMNS: dict[str, tuple[str, ...]] = {
    ORGANISATIONS_CSV: ("id", "name", "kind", "region"),
    THEMES_CSV: ("id", "name", "framework"),
    ASSESSORS_CSV: (
        "id",
        "name",
        "email",
        "organisation_id",
        "region",
        "experience_years",
        "capacity",
        "discoverable",
        "paused",
        "active",
        "availability",
        "themes",
        "bio",
        "employed_since",
        "paused_until",
    ),
    CONTACTS_CSV: ("from_id", "to_id", "status", "since", "via"),
}

#: The columns each file's header must have.
REQUIRED: dict[str, tuple[str, ...]] = {
    ORGANISATIONS_CSV: ("id", "name", "kind", "region"),
    THEMES_CSV: ("id", "name"),
    ASSESSORS_CSV: ("id", "name"),
    CONTACTS_CSV: ("from_id", "to_id"),
}

#: Example cells the help shows (the onboarding page); tests run them through :func:`read_dir`, so the help cannot drift.
EXAMPLE_THEMES = "pcf-values-and-ethics:experienced;kss-cf-child-development:exploring"
EXAMPLE_AVAILABILITY = "tue-pm;thu-am"

#: The node labels that rows reference (the same strings as ``graph.port.Label``).
Label = Literal["Organisation", "Assessor", "Theme"]

#: ``known_ids(label, ids)`` answers which of ``ids`` already exist under ``label``; ``GraphStore.existing_ids`` fits.
KnownIds = Callable[[Label, set[str]], set[str]]

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_UNDECODABLE_RE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape
_UNTRIMMED = frozenset({"bio", "via"})  # free text kept exactly as written


class CsvFormatError(ValueError):
    """The path cannot be read or written as a CSV directory at all (not a directory, no files, unwritable bundle)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row (or header) of one file; ``line`` is the line an editor shows, header = 1."""

    file: str
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass(slots=True)
class ImportPlan:
    """What :func:`read_dir` found: the bundle to write, every problem, and how many rows each file had.

    ``rows_read`` and ``rows_rejected`` are keyed by the files present, in :data:`FILES` order;
    ``rows_rejected`` counts the data rows left out of the bundle (with ``skip_invalid``) or that
    would have been (without it, where any error leaves the bundle empty).
    """

    bundle: Bundle
    errors: list[RowError]
    rows_read: dict[str, int]
    rows_rejected: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.errors


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Row:
    """One data row: where it starts, its cells, its problems, what it defines and what it references."""

    file: str
    line: int
    cells: dict[str, str]
    problems: list[tuple[str | None, str]] = field(default_factory=list)
    key: str | None = None  # the id the row defines, when it is a well-formed id
    refs: list[tuple[str, Label, str]] = field(default_factory=list)  # (column, label, id) the row needs
    value: Any = None  # the domain value(s), built when the row's own cells are valid

    def problem(self, field_name: str | None, message: str) -> None:
        """Record a problem with this row."""
        self.problems.append((field_name, message))

    def cell(self, name: str) -> str:
        """The cell under ``name`` ('' when the column is absent), stripped unless it is free text."""
        value = self.cells.get(name, "")
        return value if name in _UNTRIMMED else value.strip()


@dataclass(slots=True)
class _Table:
    """One file as read: its data rows, problems with the file as a whole, and how many rows it had."""

    name: str
    rows: list[_Row] = field(default_factory=list)
    file_problems: list[RowError] = field(default_factory=list)
    complete: bool = True  # False when required columns are missing: the rows cannot be checked
    rows_read: int = 0

    def file_problem(self, line: int, message: str, *, complete: bool = True) -> None:
        """Record a problem that rejects every row of the file."""
        self.file_problems.append(RowError(self.name, line, None, message))
        self.complete = self.complete and complete

    def accepted(self) -> Iterator[_Row]:
        """The rows that go into the bundle."""
        if not self.file_problems:
            yield from (r for r in self.rows if not r.problems)

    def errors(self) -> Iterator[RowError]:
        """Every problem of the file and of its rows."""
        yield from self.file_problems
        for row in self.rows:
            for field_name, message in row.problems:
                yield RowError(self.name, row.line, field_name, message)

    def rejected(self) -> int:
        """How many data rows are left out of the bundle."""
        return self.rows_read if self.file_problems else sum(1 for r in self.rows if r.problems)


def read_dir(
    path: str | os.PathLike[str],
    known_ids: KnownIds | None = None,
    *,
    skip_invalid: bool = False,
    builtin_themes: Iterable[Theme] | None = None,
    organisation_id: str | None = None,
) -> ImportPlan:
    """Read and validate a CSV directory into an :class:`ImportPlan`, collecting every problem.

    Parameters
    ----------
    path
        The directory; at least one of :data:`FILES` must be in it.
    known_ids
        ``known_ids(label, ids)`` returns which ``ids`` are already stored under ``label``
        (called at most once per label, only with well-formed ids the files reference but do not
        define by a valid row). ``None`` means nothing is stored.
    skip_invalid
        ``False``: any problem leaves the bundle empty. ``True``: the bundle holds the valid rows;
        a row referencing an id that only a rejected row defines (not stored, not built in) is
        rejected too, with its own error, and so on down the chain (organisation, assessor, contact).
    builtin_themes
        The built-in theme taxonomy (default :data:`network.taxonomy.THEMES`). A theme that an
        imported assessor references, that is neither in ``themes.csv`` nor stored but is built
        in, is added to the bundle's themes.
    organisation_id
        The organisation an empty ``organisation_id`` cell of ``assessors.csv`` means (an
        organisation's own upload: empty means "this organisation", so ``employed_since`` may be
        given with it). ``None``: an empty cell means no employer, and ``employed_since`` needs one.

    Returns
    -------
    ImportPlan
        ``errors`` in :data:`FILES` order, then line and column order. A reference resolves to a valid row
        in the files first, then to a stored node, then (themes only) to a built-in theme.

    Raises
    ------
    CsvFormatError
        ``path`` is not a directory or holds none of :data:`FILES`. Problems inside the files
        (encoding, NUL bytes, ragged rows, bad headers, bad values) are never raised: they are
        :class:`RowError` entries.

    Notes
    -----
    A file with a bad header (unknown or missing columns) is rejected as a whole; with only
    unknown columns its rows are still checked, so every problem shows up in one run. One pass
    over each file, plus at most three ``known_ids`` calls: O(rows).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise CsvFormatError(f"{directory} is not a directory")
    present = [name for name in FILES if (directory / name).is_file()]
    if not present:
        raise CsvFormatError(f"{directory} holds none of {', '.join(FILES)}")

    tables = {name: _read_table(directory / name) for name in FILES if name in present}
    orgs, themes, assessors, contacts = (tables.get(name) or _Table(name) for name in FILES)
    _parse_rows(orgs, _organisation)
    _parse_rows(themes, _theme)
    _parse_rows(assessors, lambda row: _assessor(row, organisation_id))
    _parse_rows(contacts, _contact)
    _flag_repeats(contacts, _pair, _repeated_pair)

    builtin = {t.id: t for t in (BUILTIN_THEMES if builtin_themes is None else builtin_themes)}
    lookup: KnownIds = known_ids or (lambda label, ids: set())
    org_ids, theme_ids = _Ids(orgs), _Ids(themes)
    _resolve(assessors, "Organisation", org_ids, lookup)
    stored_themes = _resolve(assessors, "Theme", theme_ids, lookup, builtin.keys())
    # Assessor ids are taken after their references are resolved, so a contact of a cascaded-out assessor cascades too.
    _resolve(contacts, "Assessor", _Ids(assessors), lookup)

    errors = sorted((e for t in tables.values() for e in t.errors()), key=_error_order)
    plan = ImportPlan(
        Bundle(),
        errors,
        {name: t.rows_read for name, t in tables.items()},
        {name: t.rejected() for name, t in tables.items()},
    )
    if errors and not skip_invalid:
        return plan

    bundle = plan.bundle
    bundle.organisations = [r.value for r in orgs.accepted()]
    bundle.themes = [r.value for r in themes.accepted()]
    for row in assessors.accepted():
        assessor, employment, links = row.value
        bundle.assessors.append(assessor)
        if employment is not None:
            bundle.employments.append(employment)
        bundle.theme_links.extend(links)
    bundle.contacts = [r.value for r in contacts.accepted()]
    from_taxonomy = {link.theme_id for link in bundle.theme_links} - theme_ids.valid - stored_themes
    bundle.themes.extend(builtin[theme_id] for theme_id in sorted(from_taxonomy))
    return plan


@dataclass(slots=True)
class StreamedImport:
    """What :func:`stream_dir` found: every problem (as :func:`read_dir` reports them) and, when none, the rows in chunks.

    ``rows`` is how many rows the chunks hold in all (what ``len(read_dir(...).bundle)`` would be).
    """

    directory: Path
    errors: list[RowError]
    rows_read: dict[str, int]
    rows: int = 0
    organisation_id: str | None = None
    taxonomy_themes: tuple[Theme, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.errors

    def chunks(self, size: int = 5000) -> Iterator[Bundle]:
        """The rows in bundles of about ``size`` rows, read from the files again as they are wanted.

        Dependency order (organisations, themes, assessors with their employment and theme
        links, contacts), so a row only names nodes of its own or an earlier chunk. Equal, put
        together, to :func:`read_dir`'s bundle. :class:`CsvFormatError` if the files no longer
        read as they did when checked (changed in between); an import writing the chunks in one
        transaction then writes nothing.
        """
        if self.errors:
            raise CsvFormatError("the files have problems; nothing to import")
        size = max(1, int(size))
        chunk = Bundle()
        for name, row in self._values():
            if name == ORGANISATIONS_CSV:
                chunk.organisations.append(row)
            elif name == THEMES_CSV:
                chunk.themes.append(row)
            elif name == ASSESSORS_CSV:
                assessor, employment, links = row
                chunk.assessors.append(assessor)
                if employment is not None:
                    chunk.employments.append(employment)
                chunk.theme_links.extend(links)
            else:
                chunk.contacts.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = Bundle()
        if len(chunk):
            yield chunk

    def _values(self) -> Iterator[tuple[str, Any]]:
        parse = _parsers(self.organisation_id)
        for name in FILES:
            path = self.directory / name
            if name in self.rows_read:
                table = _Table(name)
                for row in _stream_table(path, table):
                    value = None if row.problems or not table.complete else parse[name](row)
                    if row.problems or value is None:
                        raise CsvFormatError(f"{name}:{row.line} no longer reads as it did when checked; nothing was imported")
                    yield name, value
                if table.file_problems or table.rows_read != self.rows_read[name]:
                    raise CsvFormatError(f"{name} changed after it was checked; nothing was imported")
            if name == THEMES_CSV:
                yield from ((name, theme) for theme in self.taxonomy_themes)


def _parsers(organisation_id: str | None) -> dict[str, Callable[[_Row], Any]]:
    return {
        ORGANISATIONS_CSV: _organisation,
        THEMES_CSV: _theme,
        ASSESSORS_CSV: lambda row: _assessor(row, organisation_id),
        CONTACTS_CSV: _contact,
    }


def stream_dir(
    path: str | os.PathLike[str],
    known_ids: KnownIds | None = None,
    *,
    builtin_themes: Iterable[Theme] | None = None,
    organisation_id: str | None = None,
) -> StreamedImport:
    """Check a CSV directory as :func:`read_dir` does without holding its rows: for imports of any size.

    One pass over the files checks every row, keeping only ids (to find repeats and resolve
    references) and the contact pairs; no row is kept. If everything is valid, the result's
    :meth:`StreamedImport.chunks` reads the files again, a chunk at a time, for an import that
    writes them in one transaction (:meth:`graph.port.GraphStore.bulk_upsert_chunks`). If any
    problem is found, the report is :func:`read_dir`'s own (its errors, in its order and
    words), so problems are reported the same whichever reader found them; only then is the
    whole directory read into memory. Arguments and :class:`CsvFormatError` as :func:`read_dir`
    (there is no ``skip_invalid``: writing the valid rows of a bad directory takes :func:`read_dir`).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise CsvFormatError(f"{directory} is not a directory")
    present = [name for name in FILES if (directory / name).is_file()]
    if not present:
        raise CsvFormatError(f"{directory} holds none of {', '.join(FILES)}")
    builtin = {t.id: t for t in (BUILTIN_THEMES if builtin_themes is None else builtin_themes)}
    lookup: KnownIds = known_ids or (lambda label, ids: set())

    def full_report() -> StreamedImport:
        plan = read_dir(directory, known_ids, builtin_themes=builtin.values(), organisation_id=organisation_id)
        return StreamedImport(directory, plan.errors, plan.rows_read, 0, organisation_id)

    parse = _parsers(organisation_id)
    labels: dict[str, Label] = {ORGANISATIONS_CSV: "Organisation", THEMES_CSV: "Theme", ASSESSORS_CSV: "Assessor"}
    defined: dict[str, set[str]] = {"Organisation": set(), "Theme": set(), "Assessor": set()}
    asked: dict[str, set[str]] = {"Organisation": set(), "Theme": set(), "Assessor": set()}
    rows_read: dict[str, int] = {}
    rows = 0
    for name in present:
        table = _Table(name)
        keys: set[str] = set()
        pairs: set[str] = set()  # "a\x00b" for the contact between a and b (a < b): smaller than a tuple
        for row in _stream_table(directory / name, table):
            if row.problems or not table.complete:
                return full_report()
            value = parse[name](row)
            if value is None or row.problems:
                return full_report()
            if name == CONTACTS_CSV:
                ends = "\x00".join(sorted((value.from_id, value.to_id)))
                if ends in pairs:
                    return full_report()
                pairs.add(ends)
                rows += 1
            else:
                key = row.cell("id")
                if key in keys:
                    return full_report()
                keys.add(key)
                rows += 1 + (len(value[2]) + (value[1] is not None) if name == ASSESSORS_CSV else 0)
            for _column, label, key in row.refs:
                if key not in defined[label]:
                    asked[label].add(key)
        if table.file_problems:
            return full_report()
        rows_read[name] = table.rows_read
        if name in labels:
            defined[labels[name]] = keys
    stored = {label: (set(lookup(label, set(ids))) & ids if ids else set()) for label, ids in asked.items()}
    taxonomy = asked["Theme"] - stored["Theme"]
    if any(asked[label] - stored[label] for label in ("Organisation", "Assessor")) or taxonomy - builtin.keys():
        return full_report()
    themes = tuple(builtin[theme_id] for theme_id in sorted(taxonomy))
    return StreamedImport(directory, [], rows_read, rows + len(themes), organisation_id, themes)


def _error_order(error: RowError) -> tuple[int, int, int]:
    """Files in :data:`FILES` order, then lines, then a row's columns left to right (whole-row problems first)."""
    columns = COLUMNS[error.file]
    return FILES.index(error.file), error.line, columns.index(error.field) if error.field in columns else -1


class _Ids:
    """The ids a file defines: those of its accepted rows, and for the others the line that failed."""

    def __init__(self, table: _Table) -> None:
        self.file = table.name
        self.valid = {r.key for r in table.accepted() if r.key}
        self.rejected: dict[str, int] = {}
        for row in table.rows:
            if row.key and row.key not in self.valid:
                self.rejected.setdefault(row.key, row.line)
        self.whole_file = bool(table.file_problems)

    def missing(self, label: Label, key: str, builtin: bool = False) -> str:
        """Why a reference to ``key`` does not resolve."""
        kind = label.lower()
        if key in self.rejected:
            why = f"{self.file} is rejected" if self.whole_file else f"its row {self.file}:{self.rejected[key]} has errors"
            return f"{kind} {key!r} is not imported: {why}"
        elsewhere = ", not stored and not built in" if builtin else " and not stored"
        return f"unknown {kind} {key!r} (not in {self.file}{elsewhere})"


def _resolve(table: _Table, label: Label, defined: _Ids, lookup: KnownIds, builtin: Iterable[str] = ()) -> set[str]:
    """Check ``table``'s references to ``label`` against the rows, the store and ``builtin``; return the stored ones."""
    wanted = {key for row in table.rows for _, ref_label, key in row.refs if ref_label == label}
    asked = wanted - defined.valid
    stored = set(lookup(label, set(asked))) & asked if asked else set()
    known = defined.valid | stored | set(builtin)
    for row in table.rows:
        for column, ref_label, key in row.refs:
            if ref_label == label and key not in known:
                row.problem(column, defined.missing(label, key, builtin=bool(builtin)))
    return stored


# ----------------------------------------------------------------- files and headers


def _read_table(path: Path) -> _Table:
    """Decode and split one file into rows, recording encoding, header and shape problems."""
    table = _Table(path.name)
    table.rows.extend(_stream_table(path, table))
    return table


def _stream_table(path: Path, table: _Table) -> Iterator[_Row]:
    """The data rows of one file, read as they come (the file is never held whole); problems go to ``table``.

    Rows are yielded before the file's end is reached, so a problem with the file as a whole
    (a quote never closed, values under an unnamed column) may be added to ``table`` after some
    rows were yielded: only when the generator is exhausted is ``table.file_problems`` final.
    """
    try:
        opened = path.open("rb")
    except OSError as exc:
        table.file_problem(1, f"cannot be read: {exc.strerror or exc}", complete=False)
        return
    with opened:
        try:
            start = opened.read(2)
        except OSError as exc:
            table.file_problem(1, f"cannot be read: {exc.strerror or exc}", complete=False)
            return
        if start in (b"\xff\xfe", b"\xfe\xff"):
            table.file_problem(1, "the file is UTF-16; save it as UTF-8 CSV", complete=False)
            return
        opened.seek(0)
        # surrogateescape keeps undecodable bytes as lone surrogates, so only the rows holding them are rejected;
        # utf-8-sig drops a leading byte order mark.
        text = io.TextIOWrapper(opened, encoding="utf-8-sig", errors="surrogateescape", newline="")
        yield from _split_rows(text, table)


def _split_rows(text: io.TextIOWrapper, table: _Table) -> Iterator[_Row]:
    """The rows of an open text file (see :func:`_stream_table`)."""
    # strict: a quote left open or followed by stray text is an error, not a field silently swallowing the rows after it.
    reader = csv.reader(text, dialect="excel", strict=True)
    header: list[str] | None = None
    header_line = 1
    unnamed: list[int] = []  # unnamed columns are ignored while every cell under them is empty
    stray: dict[int, int] = {}  # unnamed column -> first line with a value in it
    end_of_previous = 0  # reader.line_num counts physical lines, so a record starts right after the previous one
    try:
        for record in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line, or a row of empty cells as spreadsheets leave at the end
            if header is None:
                header, header_line = _check_header(table, record, line), line
                unnamed = [i for i, cell in enumerate(record) if not cell.strip()]
                continue
            table.rows_read += 1
            row = _Row(table.name, line, {})
            if "\x00" in "".join(record):
                row.problem(None, "contains a NUL character (is this a binary file, or text that is not UTF-8?)")
            elif any(_UNDECODABLE_RE.search(cell) for cell in record):
                row.problem(None, "is not valid UTF-8; save the file as UTF-8 CSV")
            elif len(record) != len(header):
                row.problem(None, f"has {len(record)} fields but the header has {len(header)}")
            else:
                row.cells = {name: cell for name, cell in zip(header, record, strict=True) if name}
                for i in unnamed:
                    if record[i].strip():
                        stray.setdefault(i, line)
            yield row
    except csv.Error as exc:  # past broken quoting the row boundaries are unknown: the reader cannot go on
        start = end_of_previous + 1
        message = f"cannot be read as CSV: {exc}"
        if str(exc) == "unexpected end of data":
            message = "a quoted field opened in this row is never closed"
        elif "expected after" in str(exc):
            message += " (a quote inside a quoted field must be written twice)"
        table.file_problem(start, message, complete=False)
    for i, line in sorted(stray.items()):
        table.file_problem(header_line, f"column {i + 1} has no name but holds values (first on line {line}); name it or delete it")
    if header is None and not table.file_problems:
        table.file_problem(1, f"is empty: expected a header row with {', '.join(REQUIRED[table.name])}", complete=False)


def _check_header(table: _Table, record: list[str], line: int) -> list[str]:
    """Normalise the header's names (case, spaces) and report unnamed, unknown, repeated and missing columns.

    Unusable names are blanked so their cells are ignored: an unnamed column may hold nothing, and any
    other problem rejects the file anyway.
    """
    allowed = COLUMNS[table.name]
    names = [cell.strip().lower() for cell in record]
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            continue  # allowed while empty: spreadsheets leave such columns behind
        if "\x00" in name or _UNDECODABLE_RE.search(name):
            table.file_problem(line, f"the name of column {position} is not UTF-8 text; save the file as UTF-8 CSV")
        elif name not in allowed:
            table.file_problem(line, f"unknown column {name!r} (allowed: {', '.join(allowed)})")
        elif name in seen:
            table.file_problem(line, f"column {name!r} appears more than once")
        seen.add(name)
    for name in REQUIRED[table.name]:
        if name not in seen:
            table.file_problem(line, f"missing required column {name!r}", complete=False)
    return [n if n in allowed and names.index(n) == i else "" for i, n in enumerate(names)]


# ------------------------------------------------------------------------ rows


def _parse_rows(table: _Table, parse: Callable[[_Row], Any]) -> None:
    """Parse every readable row of ``table`` and flag an id given twice, on the later line."""
    id_column = "id" if "id" in COLUMNS[table.name] else None
    for row in table.rows:
        if row.problems:  # shape or encoding problem: the cells are not usable
            continue
        if id_column and _is_id(row.cell(id_column)):
            row.key = row.cell(id_column)
        if table.complete:
            row.value = parse(row)
    if id_column:
        _flag_repeats(table, lambda r: r.key, lambda key, line: ("id", f"duplicate id {key!r} (first on line {line})"))


def _flag_repeats(
    table: _Table,
    key_of: Callable[[_Row], Any],
    problem: Callable[[Any, int], tuple[str | None, str]],
) -> None:
    first_line: dict[Any, int] = {}
    for row in table.rows:
        if not row.cells:
            continue
        key = key_of(row)
        if not key:
            continue
        if key in first_line:
            row.problem(*problem(key, first_line[key]))
        else:
            first_line[key] = row.line


def _pair(row: _Row) -> frozenset[str] | None:
    """A contact row's two ends, whichever way round; ``None`` for a self-contact or a missing end."""
    ends = frozenset((row.cell("from_id"), row.cell("to_id")))
    return ends if len(ends) == 2 and "" not in ends else None


def _repeated_pair(pair: frozenset[str], line: int) -> tuple[str | None, str]:
    a, b = sorted(pair)
    return None, f"the contact between {a!r} and {b!r} is already given on line {line} (one contact per pair, either direction)"


def _organisation(row: _Row) -> Organisation | None:
    return _build(Organisation, {k: row.cell(k) for k in COLUMNS[ORGANISATIONS_CSV]}, row)


def _theme(row: _Row) -> Theme | None:
    return _build(Theme, {"id": row.cell("id"), "name": row.cell("name"), "framework": row.cell("framework") or "practice"}, row)


def _contact(row: _Row) -> Contact | None:
    for column in ("from_id", "to_id"):
        if _is_id(row.cell(column)):
            row.refs.append((column, "Assessor", row.cell(column)))
    since = _date(row, "since")
    kwargs = {
        "from_id": row.cell("from_id"),
        "to_id": row.cell("to_id"),
        "status": row.cell("status") or "requested",
        "since": since,
        "via": row.cell("via") or None,
    }
    return _build(Contact, kwargs, row)


def _assessor(row: _Row, here: str | None = None) -> tuple[Assessor, Employment | None, tuple[ThemeLink, ...]] | None:
    """An assessor row: the assessor, its employment (if any) and its theme links."""
    kwargs: dict[str, Any] = {
        "id": row.cell("id"),
        "name": row.cell("name"),
        "email": row.cell("email") or None,
        "region": row.cell("region") or None,
        "bio": row.cell("bio"),
    }
    for name in ("experience_years", "capacity"):
        if (number := _int(row, name)) is not None:
            kwargs[name] = number
    for name in ("discoverable", "paused", "active"):
        if (flag := _bool(row, name)) is not None:
            kwargs[name] = flag
    if (until := _date(row, "paused_until")) is not None:
        kwargs["paused_until"] = until
    try:
        kwargs["availability"] = availability.parse(row.cell("availability"))
    except availability.UnknownSlot as exc:
        row.problem("availability", str(exc))
    assessor = _build(Assessor, kwargs, row)
    employer = _employer(row, here)
    levels = _theme_levels(row)
    if assessor is None:
        return None
    employment = Employment(assessor.id, employer[0], employer[1]) if employer else None
    return assessor, employment, tuple(ThemeLink(assessor.id, theme_id, level) for theme_id, level in levels)


def _employer(row: _Row, here: str | None = None) -> tuple[str, date | None] | None:
    """The ``organisation_id`` and ``employed_since`` cells, checked; ``None`` for no employer.

    ``here``: the organisation an empty ``organisation_id`` means (see :func:`read_dir`); with it, an
    empty cell and a date is employment there since that date (an empty cell alone stays ``None``, for
    the caller to decide: an onboarding keeps a stored date or starts today).
    """
    organisation_id, since = row.cell("organisation_id"), _date(row, "employed_since")
    if not organisation_id:
        if since is not None and here is not None:
            return here, since
        if since is not None:
            row.problem("employed_since", "is given without an organisation_id")
        return None
    try:
        check_id(organisation_id, "organisation_id")
    except InvalidValue as exc:
        row.problem(exc.field, exc.message)
        return None
    row.refs.append(("organisation_id", "Organisation", organisation_id))
    return organisation_id, since


def _theme_levels(row: _Row) -> list[tuple[str, str]]:
    """Parse ``theme_id[:level];...``; when an entry has a colon, the text after the last one is the level."""
    levels: dict[str, str] = {}
    for entry in (e.strip() for e in row.cell("themes").split(";")):
        if not entry:
            continue
        theme_id, colon, level = entry.rpartition(":")
        theme_id, level = (theme_id.strip(), level.strip()) if colon else (entry, "experienced")
        if level not in LEVELS:
            row.problem("themes", f"level must be one of {', '.join(LEVELS)}, got {level!r} in {entry!r}")
        elif not _is_id(theme_id):
            row.problem("themes", f"{theme_id!r} is not a theme id (1-64 letters, digits or _.:-) in {entry!r}")
        elif theme_id in levels:
            row.problem("themes", f"theme {theme_id!r} is listed more than once")
        else:
            levels[theme_id] = level
            row.refs.append(("themes", "Theme", theme_id))
    return list(levels.items())


# ----------------------------------------------------------------- cell parsing


def _int(row: _Row, name: str) -> int | None:
    text = row.cell(name)
    if not text:
        return None
    if not _INT_RE.match(text):
        row.problem(name, f"must be a whole number, got {text!r}")
        return None
    return int(text)


def _bool(row: _Row, name: str) -> bool | None:
    text = row.cell(name)
    if not text:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    row.problem(name, f"must be true/false, yes/no or 1/0, got {text!r}")
    return None


def _date(row: _Row, name: str) -> date | None:
    text = row.cell(name)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        row.problem(name, f"must be a date written YYYY-MM-DD, got {text!r}")
        return None
    if (problem := limits.date_problem(day)) is not None:  # the one window of dates people may enter
        row.problem(name, problem)
        return None
    return day


def _is_id(value: str) -> bool:
    try:
        check_id(value)
    except InvalidValue:
        return False
    return True


#: Stand-ins that satisfy every invariant, so a row's other fields can still be checked after one fails.
_STAND_INS: dict[str, Any] = {
    "id": "stand-in",
    "from_id": "stand-in.from",
    "to_id": "stand-in.to",
    "name": "stand-in",
    "kind": ORGANISATION_KINDS[0],
    "region": next(iter(REGIONS)),
}


def _build(cls: type, kwargs: dict[str, Any], row: _Row) -> Any:
    """Build a domain value, turning each :class:`InvalidValue` into a row problem; ``None`` if the row has any.

    After a failure the offending field is replaced by a valid stand-in and the value built again,
    so every invalid field of the row is reported, not just the first.
    """
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    attempt = dict(kwargs)
    failed: set[str] = set()
    while True:
        try:
            value = cls(**attempt)
        except InvalidValue as exc:
            row.problem(exc.field, exc.message)
            if exc.field in failed or exc.field not in attempt:  # the stand-in failed too: give up on this row
                return None
            failed.add(exc.field)
            attempt[exc.field] = _STAND_INS.get(exc.field, defaults.get(exc.field))
            continue
        return None if row.problems else value


# --------------------------------------------------------------------------- writing


def write_dir(bundle: Bundle, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``bundle`` as the four CSV files :func:`read_dir` reads; return the data rows written per file.

    Rows are in id order (contacts by from_id, then to_id), an assessor's themes by theme id,
    availability in week order: the same bundle always gives the same bytes. Each file is written
    to a temporary file beside it and moved into place, so a reader never sees half a file. The
    directory is created if missing. The files hold personal data and are created readable by
    their owner only.

    Raises
    ------
    CsvFormatError
        The bundle cannot be written in this format (an employment or theme link of an assessor
        not in the bundle, two employments of one assessor, a repeated id or theme link, text with
        a NUL character), or ``path`` exists and is not a directory. Nothing is written then.
    """
    tables = _tables(bundle)
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise CsvFormatError(f"{directory} exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        _write_atomically(directory / name, _render(COLUMNS[name], rows))
    return {name: len(rows) for name, rows in tables.items()}


def _tables(bundle: Bundle) -> dict[str, list[list[str]]]:
    """The cells of every file, checked to be writable and readable back."""
    assessor_ids = _unique_ids(bundle.assessors, "assessor")
    employers: dict[str, Employment] = {}
    for e in bundle.employments:
        if e.assessor_id not in assessor_ids:
            raise CsvFormatError(f"employment of assessor {e.assessor_id!r}, who is not in the bundle, has no row to go in")
        if e.assessor_id in employers:
            raise CsvFormatError(f"assessor {e.assessor_id!r} has more than one employment")
        employers[e.assessor_id] = e
    links: dict[str, dict[str, str]] = {}
    for link in bundle.theme_links:
        if link.assessor_id not in assessor_ids:
            raise CsvFormatError(f"theme link of assessor {link.assessor_id!r}, who is not in the bundle, has no row to go in")
        if link.theme_id in links.setdefault(link.assessor_id, {}):
            raise CsvFormatError(f"assessor {link.assessor_id!r} is linked to theme {link.theme_id!r} more than once")
        links[link.assessor_id][link.theme_id] = link.level
    pairs: set[tuple[str, str]] = set()
    for c in bundle.contacts:
        if (c.from_id, c.to_id) in pairs or (c.to_id, c.from_id) in pairs:
            raise CsvFormatError(f"the contact between {c.from_id!r} and {c.to_id!r} appears more than once in the bundle")
        pairs.add((c.from_id, c.to_id))
    _unique_ids(bundle.organisations, "organisation")
    _unique_ids(bundle.themes, "theme")

    def assessor_row(a: Assessor) -> list[str]:
        employment = employers.get(a.id)
        themes = ";".join(f"{t}:{level}" for t, level in sorted(links.get(a.id, {}).items()))
        return [
            a.id,
            a.name,
            a.email or "",
            employment.organisation_id if employment else "",
            a.region or "",
            str(a.experience_years),
            str(a.capacity),
            _flag(a.discoverable),
            _flag(a.paused),
            _flag(a.active),
            availability.format_slots(a.availability),
            themes,
            a.bio,
            _iso(employment.since) if employment else "",
            _iso(a.paused_until),
        ]

    tables = {
        ORGANISATIONS_CSV: [[o.id, o.name, o.kind, o.region] for o in sorted(bundle.organisations, key=lambda o: o.id)],
        THEMES_CSV: [[t.id, t.name, t.framework] for t in sorted(bundle.themes, key=lambda t: t.id)],
        ASSESSORS_CSV: [assessor_row(a) for a in sorted(bundle.assessors, key=lambda a: a.id)],
        CONTACTS_CSV: [
            [c.from_id, c.to_id, c.status, _iso(c.since), c.via or ""] for c in sorted(bundle.contacts, key=lambda c: (c.from_id, c.to_id))
        ],
    }
    for name, rows in tables.items():
        for row in rows:
            for column, cell in zip(COLUMNS[name], row, strict=True):
                if "\x00" in cell:
                    raise CsvFormatError(f"{name}: {column} of {row[0]!r} contains a NUL character, which CSV cannot carry")
                try:
                    cell.encode("utf-8")
                except UnicodeEncodeError:
                    raise CsvFormatError(f"{name}: {column} of {row[0]!r} is not encodable as UTF-8") from None
    return tables


def _unique_ids(values: Iterable[Organisation | Theme | Assessor], kind: str) -> set[str]:
    ids: set[str] = set()
    for v in values:
        if v.id in ids:
            raise CsvFormatError(f"{kind} id {v.id!r} appears more than once in the bundle")
        ids.add(v.id)
    return ids


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _render(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file in the target's directory, then rename it over the target."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def safe_cell(value: object) -> str:
    """A CSV text cell a spreadsheet will not run as a formula (names and texts are typed by people).

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("How sure?")
    ("'=HYPERLINK(1)", 'How sure?')
    """
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%") else text
