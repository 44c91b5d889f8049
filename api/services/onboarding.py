"""Onboarding an organisation's assessors from CSV files: check every row first, then import as a background job.

The files are those of the import format (:mod:`network.csvio`; ``bridgework import``). Onboarding is
*into one organisation*, so on top of the format's own checks every row must belong to it:

* ``assessors.csv``: ``organisation_id`` is this organisation's id or empty (empty means this
  organisation); an id that is already stored must be one of this organisation's assessors (an import
  never takes over or changes someone of another organisation).
* ``contacts.csv``: both people are assessors of this organisation (in the files or already stored);
  contacts across organisations are made by the people themselves.
* ``organisations.csv``: only this organisation's own row; its details may change only for network admins.
* ``themes.csv``: themes already stored (unchanged); new or renamed themes only for network admins.
  Themes of the built-in taxonomy need no row.

Every problem is reported with file, line, field and the person the row is about (one list, in file and
line order); if there is any, nothing is written, unless the person asks for the good rows alone
(:func:`start_import` with ``good_only``: the rows without a problem, and not depending on one). Otherwise :func:`start_import` writes the whole bundle and its audit entry
(ids and counts only) in one transaction (:func:`api.services.people.import_bundle`: all or nothing)
in a background job (:mod:`api.jobs`). Nothing here knows Flask: pages, the JSON API and scripts call it alike.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from api import jobs
from api.services import people
from graph.port import GraphStore
from network import csvio
from network.bundle import BUNDLE_KINDS, Bundle
from network.csvio import RowError
from network.domain import Employment

#: The ``kind`` of onboarding jobs.
JOB_KIND = "onboarding"
#: The files an onboarding may hold, in the order people think of them (assessors first).
UPLOAD_FILES: tuple[str, ...] = (csvio.ASSESSORS_CSV, csvio.CONTACTS_CSV, csvio.THEMES_CSV, csvio.ORGANISATIONS_CSV)
#: Page size when reading an organisation's stored assessors.
_PAGE = 500


class UploadError(ValueError):
    """The upload cannot be checked at all (no files); the message is for people."""


@dataclass(slots=True)
class Check:
    """What checking an upload found: every problem, the rows per file, and (when there is none) the bundle to write."""

    organisation_id: str
    errors: list[RowError]
    rows_read: dict[str, int]
    bundle: Bundle = field(default_factory=Bundle)
    #: Assessors of the upload already stored in the organisation (their stored details are replaced by the files').
    existing: int = 0
    #: Who each problem row is about, in words, by (file, line): the person's name, or the two people of a contact.
    people: dict[tuple[str, int], str] = field(default_factory=dict)
    #: The rows without a problem (and not depending on one with a problem), ready to write on their own.
    good: Bundle = field(default_factory=Bundle)

    @property
    def good_people(self) -> int:
        """How many assessors the good rows add or update."""
        return len(self.good.assessors)

    def person(self, error: RowError) -> str:
        """Who a problem's row is about, in words ('' when the row names nobody, e.g. a theme)."""
        return self.people.get((error.file, error.line), "")

    @property
    def ok(self) -> bool:
        """True when no row has a problem (the bundle may then be written)."""
        return not self.errors

    @property
    def bad_rows(self) -> int:
        """How many rows (or headers) have at least one problem."""
        return len({(e.file, e.line) for e in self.errors})

    @property
    def rows(self) -> int:
        """How many data rows the files hold."""
        return sum(self.rows_read.values())

    def counts(self) -> dict[str, int]:
        """What the bundle holds, per kind (assessors, employments, theme links, contacts...)."""
        return {kind: len(getattr(self.bundle, kind)) for kind in BUNDLE_KINDS}

    def error_bodies(self) -> list[dict[str, Any]]:
        """The problems as plain dicts (file, line, field, message)."""
        return [{"file": e.file, "line": e.line, "field": e.field, "message": e.message} for e in self.errors]


def save_uploads(files: Mapping[str, bytes], directory: Path) -> list[str]:
    """Write the uploaded contents as the format's files in ``directory``; return the names written.

    ``files`` maps a file name of :data:`UPLOAD_FILES` to its bytes; empty uploads are left out.
    :class:`UploadError` if nothing is left.
    """
    written = []
    for name in UPLOAD_FILES:
        data = files.get(name)
        if data:
            (directory / name).write_bytes(data)
            written.append(name)
    if not written:
        raise UploadError("Choose at least one CSV file to upload (for example assessors.csv).")
    return written


def check_upload(store: GraphStore, organisation_id: str, files: Mapping[str, bytes], *, may_change_network: bool) -> Check:
    """Check uploaded files (name -> bytes) for onboarding into the organisation; see :func:`check_dir`."""
    with tempfile.TemporaryDirectory(prefix="bridgework-onboarding-") as temp:
        directory = Path(temp)
        save_uploads(files, directory)
        return check_dir(store, organisation_id, directory, may_change_network=may_change_network)


def check_dir(store: GraphStore, organisation_id: str, directory: Path, *, may_change_network: bool, today: date | None = None) -> Check:
    """Check a directory of CSV files for onboarding into ``organisation_id``; nothing is written.

    ``may_change_network``: the caller may add or change themes and change the organisation's own
    details (network admins). :class:`~graph.port.NotFound` if the organisation is missing.
    """
    organisation = store.get_organisation(organisation_id)
    try:
        plan = csvio.read_dir(directory, store.existing_ids, skip_invalid=True, organisation_id=organisation_id)
    except csvio.CsvFormatError as exc:
        raise UploadError(str(exc)) from None
    lines = {name: _row_lines(directory / name) for name in plan.rows_read}
    scope = _Scope(store, organisation_id, plan.bundle)
    errors = list(plan.errors)

    rejected: dict[str, set[Any]] = {}

    def bad(file: str, key: Any, field_name: str | None, message: str) -> None:
        errors.append(RowError(file, lines.get(file, {}).get(key, 0), field_name, message))
        rejected.setdefault(file, set()).add(key)

    here = f"{organisation.name} ({organisation.id})"
    for org in plan.bundle.organisations:
        if org.id != organisation_id:
            bad(csvio.ORGANISATIONS_CSV, org.id, "id", f"this upload is for {here}; organisations.csv may only hold its own row")
        elif org != organisation and not may_change_network:
            bad(
                csvio.ORGANISATIONS_CSV,
                org.id,
                None,
                "only network admins change an organisation's details; make the row match or leave it out",
            )
    theme_rows = lines.get(csvio.THEMES_CSV, {})
    stored_themes = _stored_themes(store, [t.id for t in plan.bundle.themes if t.id in theme_rows]) if not may_change_network else {}
    for theme in plan.bundle.themes:
        if theme.id not in theme_rows or may_change_network:
            continue  # a built-in theme added for an assessor's row, or an admin's upload
        stored = stored_themes.get(theme.id)
        if stored is None:
            bad(csvio.THEMES_CSV, theme.id, "id", "new themes are added by network admins; use a theme of the list, or ask an admin")
        elif stored != theme:
            bad(csvio.THEMES_CSV, theme.id, None, "only network admins change a theme; make the row match the stored theme or leave it out")
    employed = {e.assessor_id: e for e in plan.bundle.employments}
    for assessor in plan.bundle.assessors:
        employment = employed.get(assessor.id)
        if employment is not None and employment.organisation_id != organisation_id:
            bad(
                csvio.ASSESSORS_CSV,
                assessor.id,
                "organisation_id",
                f"this upload is for {here}: write {organisation_id} or leave it empty (got {employment.organisation_id})",
            )
        elif assessor.id in scope.stored_elsewhere:
            bad(
                csvio.ASSESSORS_CSV,
                assessor.id,
                "id",
                f"an assessor with this id is already stored and is not one of {here}'s; use another id",
            )
    stored_pairs = _stored_contacts(store, plan.bundle, scope)
    for contact in plan.bundle.contacts:
        outside = [(column, key) for column, key in (("from_id", contact.from_id), ("to_id", contact.to_id)) if not scope.is_member(key)]
        if not outside and (contact.to_id, contact.from_id) in stored_pairs:
            bad(
                csvio.CONTACTS_CSV,
                (contact.from_id, contact.to_id),
                None,
                f"{contact.to_id} and {contact.from_id} are already in contact the other way round "
                f"({contact.to_id} asked); write this row as {contact.to_id},{contact.from_id} or leave it out",
            )
        for column, key in outside:
            bad(
                csvio.CONTACTS_CSV,
                (contact.from_id, contact.to_id),
                column,
                f"{key} is not an assessor of {here}; contacts with other organisations are made by the people themselves",
            )

    errors.sort(key=_error_order)
    existing = len({a.id for a in plan.bundle.assessors} & scope.members)
    check = Check(organisation_id, errors, dict(plan.rows_read), existing=existing)
    check.people = _row_people(store, directory, errors)
    good = _without(plan.bundle, rejected)
    if len(good):
        check.good = _with_employment(store, good, organisation_id, scope, today or date.today())
    if check.ok:
        check.bundle = check.good
    return check


def _without(bundle: Bundle, rejected: Mapping[str, set[Any]]) -> Bundle:
    """The bundle without the rows the onboarding checks rejected, nor the rows that depend on them."""
    people = rejected.get(csvio.ASSESSORS_CSV, set())
    themes = rejected.get(csvio.THEMES_CSV, set())
    organisations = rejected.get(csvio.ORGANISATIONS_CSV, set())
    contacts = rejected.get(csvio.CONTACTS_CSV, set())
    return Bundle(
        organisations=[o for o in bundle.organisations if o.id not in organisations],
        themes=[t for t in bundle.themes if t.id not in themes],
        assessors=[a for a in bundle.assessors if a.id not in people],
        employments=[e for e in bundle.employments if e.assessor_id not in people],
        theme_links=[t for t in bundle.theme_links if t.assessor_id not in people and t.theme_id not in themes],
        contacts=[
            c for c in bundle.contacts if (c.from_id, c.to_id) not in contacts and c.from_id not in people and c.to_id not in people
        ],
    )


def _row_people(store: GraphStore, directory: Path, errors: list[RowError]) -> dict[tuple[str, int], str]:
    """Who each problem row is about: an assessor row's name, a contact row's two people (by the file's names, else the
    stored ones, else the id the file gives)."""
    wanted = {(e.file, e.line) for e in errors if e.line and e.file in (csvio.ASSESSORS_CSV, csvio.CONTACTS_CSV)}
    if not wanted:
        return {}
    names: dict[str, str] = {}
    assessor_rows = _row_cells(directory / csvio.ASSESSORS_CSV)
    for cells in assessor_rows.values():
        if cells.get("id") and cells.get("name"):
            names.setdefault(cells["id"], cells["name"])
    out: dict[tuple[str, int], str] = {}
    for line, cells in assessor_rows.items():
        if (csvio.ASSESSORS_CSV, line) in wanted:
            out[(csvio.ASSESSORS_CSV, line)] = cells.get("name") or cells.get("id") or ""
    contact_rows = {line: cells for line, cells in _row_cells(directory / csvio.CONTACTS_CSV).items() if (csvio.CONTACTS_CSV, line) in wanted}
    ends = {cells.get(k, "") for cells in contact_rows.values() for k in ("from_id", "to_id")} - set(names) - {""}
    if ends:
        names.update({p.assessor.id: p.assessor.name for p in store.describe_members(sorted(ends))})
    for line, cells in contact_rows.items():
        a, b = cells.get("from_id", ""), cells.get("to_id", "")
        out[(csvio.CONTACTS_CSV, line)] = f"{names.get(a, a)} and {names.get(b, b)}"
    return out


def start_import(store: GraphStore, check: Check, actor_id: str, *, good_only: bool = False) -> str:
    """Write a clean check's bundle in a background job (one transaction) and audit it; return the job id.

    ``good_only``: write the rows without a problem (and not depending on one), leaving the others out, even when
    some rows have problems (the person asked for it after reading the report).
    """
    if good_only:
        if not len(check.good):
            raise ValueError("no row of the upload is fine, so there is nothing to import")
    elif not check.ok:
        raise ValueError("an upload with problems is never imported")
    bundle, organisation_id = (check.good if good_only else check.bundle), check.organisation_id
    rows = len(bundle)

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        ctx.progress(0, rows, f"Writing {rows} rows (all at once: either every row is imported or none is)")
        report = people.import_bundle(
            ctx.store, bundle, actor_id=actor_id, target_kind="organisation", target_id=organisation_id, details={"job_id": ctx.job_id}
        )
        counts = {kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged} for kind, c in report.counts.items()}
        return {"organisation_id": organisation_id, "rows": rows, "changed": report.changed, "counts": counts}

    return jobs.start_job(
        JOB_KIND,
        actor_id,
        work,
        scope={"organisation_id": organisation_id},
        store=store,
        total=rows,
        message=f"{rows} rows checked; waiting to write them",
    )


# -- helpers ---------------------------------------------------------------------------------


class _Scope:
    """Which assessors belong to the organisation: those of the upload, and those stored as working for it."""

    def __init__(self, store: GraphStore, organisation_id: str, bundle: Bundle) -> None:
        self.members: set[str] = set()
        after: str | None = None
        while True:
            page = store.list_assessors(limit=_PAGE, after=after, organisation_id=organisation_id)
            self.members.update(a.id for a in page.items)
            if page.next_after is None:
                break
            after = page.next_after
        uploaded = {a.id for a in bundle.assessors}
        stored = store.existing_ids("Assessor", uploaded) if uploaded else set()
        #: Assessors of the upload that are stored but do not work for this organisation.
        self.stored_elsewhere = stored - self.members
        employed = {e.assessor_id: e.organisation_id for e in bundle.employments}
        self.uploaded_here = {a for a in uploaded - self.stored_elsewhere if employed.get(a, organisation_id) == organisation_id}

    def is_member(self, assessor_id: str) -> bool:
        """True when the assessor is (or, with this upload, will be) one of the organisation's."""
        return assessor_id in self.uploaded_here or (assessor_id in self.members and assessor_id not in self.stored_elsewhere)


def _stored_contacts(store: GraphStore, bundle: Bundle, scope: _Scope) -> set[tuple[str, str]]:
    """The stored contacts (from, to) among the organisation's stored assessors that the upload's contacts name.

    A pair has one contact at most, stored in the direction of whoever asked: a row giving it the
    other way round would make the whole write fail, so the check reports it as a bad row instead.
    """
    ends = sorted({end for c in bundle.contacts for end in (c.from_id, c.to_id)} & (scope.members - scope.stored_elsewhere))
    pairs: set[tuple[str, str]] = set()
    for assessor_id in ends:
        pairs.update((c.from_id, c.to_id) for c in store.contacts_of(assessor_id))
    return pairs


def _stored_themes(store: GraphStore, theme_ids: list[str]) -> dict[str, Any]:
    found = store.existing_ids("Theme", theme_ids) if theme_ids else set()
    return {theme_id: store.get_theme(theme_id) for theme_id in sorted(found)}


def _with_employment(store: GraphStore, bundle: Bundle, organisation_id: str, scope: _Scope, today: date) -> Bundle:
    """The bundle with an employment in the organisation for every assessor whose ``organisation_id`` was left empty.

    Someone already working for it keeps their stored ``since``; a newcomer starts today.
    """
    employed = {e.assessor_id for e in bundle.employments}
    added = []
    for assessor in bundle.assessors:
        if assessor.id in employed:
            continue
        stored = store.get_employment(assessor.id) if assessor.id in scope.members else None
        added.append(Employment(assessor.id, organisation_id, stored.since if stored is not None else today))
    return Bundle(
        organisations=list(bundle.organisations),
        themes=list(bundle.themes),
        assessors=list(bundle.assessors),
        employments=[*bundle.employments, *added],
        theme_links=list(bundle.theme_links),
        contacts=list(bundle.contacts),
    )


def _error_order(error: RowError) -> tuple[int, int, int, str]:
    """Files in the format's order, then lines, then a row's columns left to right (whole-row problems first)."""
    columns = csvio.COLUMNS.get(error.file, ())
    position = columns.index(error.field) if error.field in columns else -1
    return csvio.FILES.index(error.file) if error.file in csvio.FILES else len(csvio.FILES), error.line, position, error.message


def _row_cells(path: Path) -> dict[int, dict[str, str]]:
    """Each data row's cells by header, by the line it starts on (counted as :func:`_row_lines` counts)."""
    rows: dict[int, dict[str, str]] = {}
    try:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    except OSError:
        return rows
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", strict=True)
    header: list[str] | None = None
    end_of_previous = 0
    try:
        for record in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in record]
                continue
            rows[line] = dict(zip(header, (cell.strip() for cell in record), strict=False))
    except csv.Error:
        pass
    return rows


def template_csv(organisation_id: str) -> str:
    """An assessors.csv to fill in: every column of the format, and one example row for the organisation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = csvio.COLUMNS[csvio.ASSESSORS_CSV]
    writer.writerow(columns)
    example = {
        "id": "a-sam-patel",
        "name": "Sam Patel",
        "email": "sam.patel@example.org",
        "organisation_id": organisation_id,
        "experience_years": "3",
        "capacity": "1",
        "discoverable": "yes",
        "availability": csvio.EXAMPLE_AVAILABILITY,
        "themes": csvio.EXAMPLE_THEMES,
    }
    writer.writerow([example.get(c, "") for c in columns])
    return out.getvalue()


def _row_lines(path: Path) -> dict[Any, int]:
    """The line each row starts on, by the key it defines (``id``; a contact's ``(from_id, to_id)``), first row wins.

    Counted as :func:`network.csvio.read_dir` counts them (physical lines; blank rows skipped; header first),
    so a problem found here points at the same line as the format's own. Only used on files that read cleanly
    enough to have produced rows, so a broken file simply yields fewer keys.
    """
    lines: dict[Any, int] = {}
    try:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    except OSError:
        return lines
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", strict=True)
    header: list[str] | None = None
    end_of_previous = 0
    try:
        for record in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in record]
                continue
            cells = dict(zip(header, (cell.strip() for cell in record), strict=False))
            key: Any = (cells.get("from_id", ""), cells.get("to_id", "")) if path.name == csvio.CONTACTS_CSV else cells.get("id", "")
            lines.setdefault(key, line)
    except csv.Error:
        pass
    return lines
