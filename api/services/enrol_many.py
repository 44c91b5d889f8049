"""Enrolment at scale (issue 17): a programme's pool built by filters, by a pasted list of e-mails or ids, or by a CSV file.

Reads only: finding the people (:func:`find_candidates`, in the store: :meth:`~graph.port_sets.SetsPort.enrolment_candidates`)
and reading a list (:func:`read_list`, :func:`read_csv`). The write is the one enrolment use case,
:func:`api.services.enrolment.enrol`: all or nothing, one unit of work, one audit entry.

Only people a coordinator may see are ever found or accepted: active, findable (opted in, not paused). A line naming
anyone else reads as if no one had that e-mail or id, so a list tells nothing about people who chose not to be found.
Every line that cannot be enrolled is named back in words ("line 3: no one we can enrol has the e-mail sam@example.org";
"line 5: Sam Patel is already enrolled") and, if there is any, nobody is enrolled.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph.port import GraphStore, NotFound
from graph.port_sets import CANDIDATES_MAX, CandidateFilter, PoolMember
from network import availability
from network.domain import EMAIL_PATTERN, ID_PATTERN, Assessor

#: The most lines one pasted list or CSV file may hold (a programme's pool is at most a few thousand).
LINES_MAX = CANDIDATES_MAX
_EMAIL = re.compile(EMAIL_PATTERN)
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone a coordinator could enrol, as the enrolment page lists them."""

    person: PoolMember
    isolated: bool


def find_candidates(store: GraphStore, programme_id: str, criteria: CandidateFilter, *, isolated_only: bool = False) -> list[Candidate]:
    """The people matching ``criteria`` who could be enrolled (findable, active, not yet enrolled), isolated ones only if asked.

    At most :data:`~graph.port_sets.CANDIDATES_MAX`; by organisation name, then name.
    """
    found = store.enrolment_candidates(programme_id, criteria)
    isolated = {i for i, iso in store.isolation([p.assessor.id for p in found]).items() if iso.isolated} if found else set()
    return [Candidate(p, p.assessor.id in isolated) for p in found if not isolated_only or p.assessor.id in isolated]


@dataclass(frozen=True, slots=True)
class ReadList:
    """A list read line by line: the ids of the people it names (in order, once each), and every line that cannot be enrolled."""

    ids: tuple[str, ...]
    problems: tuple[str, ...]


def _split(text: str) -> list[tuple[int, str]]:
    """``(line number, entry)`` of every non-empty line (commas and semicolons also separate entries on a line)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        for part in re.split(r"[,;\t]", line):
            entry = part.strip().strip('"').strip()
            if entry:
                out.append((number, entry))
    return out


def _by_email(store: GraphStore, email: str) -> Assessor | None:
    page = store.find_assessors(text=email.lower(), limit=50)
    return next((a for a in page.items if (a.email or "").lower() == email.lower()), None)


def _resolve(store: GraphStore, programme_id: str, entries: Sequence[tuple[int, str]], where: str) -> ReadList:
    if not entries:
        return ReadList((), (f"The {where} names nobody: give one e-mail address or id a line.",))
    if len(entries) > LINES_MAX:
        return ReadList((), (f"The {where} has {len(entries)} entries; give at most {LINES_MAX} at once.",))
    enrolled = {e.assessor_id for e in store.enrolments(programme_id)}
    ids: dict[str, int] = {}
    problems: list[str] = []
    for number, entry in entries:
        is_email = "@" in entry
        if is_email and not _EMAIL.match(entry):
            problems.append(f"Line {number}: {entry!r} is not an e-mail address.")
            continue
        if not is_email and not _ID.match(entry):
            problems.append(f"Line {number}: {entry!r} is neither an e-mail address nor an id.")
            continue
        person: Assessor | None
        if is_email:
            person = _by_email(store, entry)
        else:
            try:
                person = store.get_assessor(entry)
            except NotFound:
                person = None
        if person is None or not person.findable:  # people who chose not to be found read as if no one had the e-mail or id
            what = "e-mail" if is_email else "id"
            problems.append(f"Line {number}: no one we can enrol has the {what} {entry}.")
            continue
        if person.id in enrolled:
            problems.append(f"Line {number}: {person.name} is already enrolled.")
            continue
        if person.id in ids:
            problems.append(f"Line {number}: {person.name} is named again (first on line {ids[person.id]}).")
            continue
        ids[person.id] = number
    return ReadList(tuple(ids), tuple(problems))


def read_list(store: GraphStore, programme_id: str, text: str) -> ReadList:
    """Read a pasted list of e-mail addresses or ids, one a line; :class:`NotFound` if the programme is missing."""
    store.get_programme(programme_id)
    return _resolve(store, programme_id, _split(text or ""), "list")


def read_csv(store: GraphStore, programme_id: str, data: bytes) -> ReadList:
    """Read a CSV file with an ``email`` or ``id`` column (a header row first); lines are numbered as in the file."""
    store.get_programme(programme_id)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ReadList((), ("The file is not UTF-8 text: save it as CSV (UTF-8) and upload it again.",))
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return ReadList((), ("The file is empty: it needs a header row with an email or id column.",))
    columns = [k for k, h in enumerate(header) if h in ("email", "e-mail", "id", "assessor_id")]
    if not columns:
        found = ", ".join(h for h in header if h) or "nothing"
        return ReadList((), (f"The file's first row needs a column called email or id (found: {found}).",))
    entries: list[tuple[int, str]] = []
    try:
        for number, row in enumerate(reader, start=2):
            value = next((row[k].strip() for k in columns if k < len(row) and row[k].strip()), "")
            if value:
                entries.append((number, value))
    except csv.Error as exc:
        return ReadList((), (f"The file cannot be read as CSV: {exc}.",))
    return _resolve(store, programme_id, entries, "file")


def slot_choices() -> list[tuple[str, str]]:
    """Every weekly slot with its words, for the filter."""
    return [(s, availability.describe_slot(s)) for s in availability.SLOTS]


def criteria_from(args: Mapping[str, str], organisations: Sequence[str]) -> tuple[CandidateFilter, bool, list[str]]:
    """The filter a query string asks for, whether only isolated people are wanted, and any problems (in words)."""
    problems: list[str] = []
    orgs = tuple(o for o in organisations if o)

    def years(name: str, label: str) -> float | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            problems.append(f"{label}: give a number of years, not {raw!r}.")
            return None
        if not 0 <= value <= 60:
            problems.append(f"{label}: give a number of years from 0 to 60.")
            return None
        return value

    slot = (args.get("slot") or "").strip() or None
    if slot is not None and not availability.is_slot(slot):
        problems.append("Weekly time: choose one from the list.")
        slot = None
    kind = (args.get("kind") or "").strip()
    criteria = CandidateFilter(
        organisation_ids=orgs,
        kinds=(kind,) if kind else (),
        region=(args.get("region") or "").strip() or None,
        slot=slot,
        experience_min=years("experience_min", "Experience from"),
        experience_max=years("experience_max", "Experience to"),
        not_in_set=args.get("not_in_set") == "yes",
    )
    return criteria, args.get("isolated") == "yes", problems
