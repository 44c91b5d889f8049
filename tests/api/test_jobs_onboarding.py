"""Onboarding from CSV (api.services.onboarding): every bad row reported, rows of other organisations refused,
nothing written unless all is well, then one all-or-nothing import job that is audited with ids and counts."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from api.services import onboarding
from graph.embedded.store import EmbeddedStore
from graph.port import NotFound
from graph.port_jobs import JobRecord
from network.domain import Assessor, Organisation, Theme

TODAY = date(2026, 3, 2)
A_HEADER = "id,name,email,organisation_id,experience_years,themes,employed_since\n"


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore(tmp_path / "onboarding.sqlite3")
    s.ensure_schema()
    s.create_organisation(Organisation("org-own", "Northshire Council", "local_authority", "north_east"))
    s.create_organisation(Organisation("org-other", "Southshire Trust", "nhs_trust", "london"))
    s.create_theme(Theme("t-local", "Local practice", "practice"))
    s.create_assessor(Assessor("a-mine", "Mina Stored"))
    s.set_employer("a-mine", "org-own", date(2020, 5, 1))
    s.create_assessor(Assessor("a-theirs", "Theo Elsewhere"))
    s.set_employer("a-theirs", "org-other")
    s.create_assessor(Assessor("a-free", "Free Agent"))
    return s


def files(tmp_path: Path, **content: str) -> Path:
    directory = tmp_path / "upload"
    directory.mkdir(exist_ok=True)
    for name, text in content.items():
        (directory / f"{name}.csv").write_text(text, encoding="utf-8")
    return directory


def check(store: EmbeddedStore, directory: Path, admin: bool = False) -> onboarding.Check:
    return onboarding.check_dir(store, "org-own", directory, may_change_network=admin, today=TODAY)


def wait_for(store: EmbeddedStore, job_id: str) -> JobRecord:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.finished:
            return job
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_a_clean_upload_is_imported_by_a_job_and_audited_with_counts_only(store: EmbeddedStore, tmp_path: Path) -> None:
    upload = files(
        tmp_path,
        assessors=A_HEADER
        + "a-1,Ada New,ada@example.org,,3,pcf-knowledge:experienced;t-local:exploring,\n"
        + "a-2,Bo New,,org-own,1,,2025-09-01\n"
        + "a-mine,Mina Renamed,,,7,,\n",
        contacts="from_id,to_id,status\na-1,a-2,accepted\na-2,a-mine,requested\n",
    )
    found = check(store, upload)
    assert found.ok and found.errors == [] and found.rows == 5 and found.existing == 1
    assert store.existing_ids("Assessor", ["a-1", "a-2"]) == set()  # checking writes nothing

    job = wait_for(store, onboarding.start_import(store, found, "u-importer"))
    assert job.status == "done", job.error
    assert job.owner_user_id == "u-importer" and job.kind == "onboarding" and job.scope == {"organisation_id": "org-own"}
    assert job.result is not None and job.result["counts"]["assessors"] == {"created": 2, "updated": 1, "unchanged": 0}
    assert store.get_assessor("a-mine").name == "Mina Renamed"
    employment = {a: store.get_employment(a) for a in ("a-1", "a-2", "a-mine")}
    assert {a: (e.organisation_id, e.since) for a, e in employment.items() if e} == {
        "a-1": ("org-own", TODAY),  # empty organisation_id: this organisation, from today
        "a-2": ("org-own", date(2025, 9, 1)),
        "a-mine": ("org-own", date(2020, 5, 1)),  # already here: keeps the stored date
    }
    assert {(t.theme_id, t.level) for t in store.theme_links("a-1")} == {("pcf-knowledge", "experienced"), ("t-local", "exploring")}
    assert [c.status for c in store.contacts_of("a-1")] == ["accepted"]
    entry = store.list_audit(action="import").items[0]
    assert (entry.actor_id, entry.target_kind, entry.target_id) == ("u-importer", "organisation", "org-own")
    assert entry.details["job_id"] == job.id and entry.details["rows"] == job.result["rows"]
    assert "Ada" not in str(entry.details) and "ada@example.org" not in str(entry.details)


def test_every_bad_row_is_reported_with_file_line_and_field_and_nothing_is_written(store: EmbeddedStore, tmp_path: Path) -> None:
    upload = files(
        tmp_path,
        assessors=A_HEADER
        + "a-1,Ada,not-an-email,,-1,,\n"  # line 2: two bad cells
        + "a-2,Bo,,org-other,1,,\n"  # line 3: another organisation
        + "a-theirs,Theo Taken,,,2,,\n"  # line 4: someone stored in another organisation
        + "a-free,Free Claimed,,,2,,\n"  # line 5: stored without an employer: not ours either
        + "a-3,Cy,,,2,t-unknown,\n"  # line 6: unknown theme
        + "a-4,Di,,,2,,\n",  # line 7: fine
        contacts="from_id,to_id\na-4,a-theirs\na-mine,a-4\n",  # line 2: across organisations; line 3 fine
        organisations="id,name,kind,region\n"
        + "org-other,Southshire Trust,nhs_trust,london\n"
        + "org-own,Northshire Renamed,local_authority,north_east\n",
        themes="id,name,framework\nt-new,Brand new,practice\nt-local,Local practice,practice\n",
    )
    found = check(store, upload)
    assert not found.ok
    where = [(e.file, e.line, e.field) for e in found.errors]
    assert where == [
        ("organisations.csv", 2, "id"),
        ("organisations.csv", 3, None),
        ("themes.csv", 2, "id"),
        ("assessors.csv", 2, "email"),
        ("assessors.csv", 2, "experience_years"),
        ("assessors.csv", 3, "organisation_id"),
        ("assessors.csv", 4, "id"),
        ("assessors.csv", 5, "id"),
        ("assessors.csv", 6, "themes"),
        ("contacts.csv", 2, "to_id"),
    ]
    messages = {(e.file, e.line): e.message for e in found.errors}
    assert "Northshire Council (org-own)" in messages[("assessors.csv", 3)] and "org-other" in messages[("assessors.csv", 3)]
    assert "not one of Northshire Council" in messages[("assessors.csv", 4)]
    assert "network admins" in messages[("themes.csv", 2)]
    assert found.bad_rows == 9 and found.bundle.assessors == []
    assert store.existing_ids("Assessor", ["a-1", "a-2", "a-3", "a-4"]) == set()
    assert store.get_assessor("a-theirs").name == "Theo Elsewhere"
    with pytest.raises(ValueError):
        onboarding.start_import(store, found, "u-importer")


def test_network_admins_may_add_themes_and_change_the_organisation_but_not_other_organisations_rows(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    upload = files(
        tmp_path,
        organisations="id,name,kind,region\norg-own,Northshire Renamed,local_authority,north_east\n",
        themes="id,name,framework\nt-new,Brand new,practice\n",
        assessors=A_HEADER + "a-1,Ada,,org-other,1,t-new,\n",
    )
    found = check(store, upload, admin=True)
    assert [(e.file, e.line, e.field) for e in found.errors] == [("assessors.csv", 2, "organisation_id")]
    upload = files(tmp_path, assessors=A_HEADER + "a-1,Ada,,,1,t-new,\n")
    assert check(store, upload, admin=True).ok


def test_an_unchanged_own_organisation_row_and_stored_theme_are_accepted_from_org_admins(store: EmbeddedStore, tmp_path: Path) -> None:
    upload = files(
        tmp_path,
        organisations="id,name,kind,region\norg-own,Northshire Council,local_authority,north_east\n",
        themes="id,name,framework\nt-local,Local practice,practice\n",
    )
    assert check(store, upload).ok


def test_an_empty_upload_and_an_unknown_organisation_are_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.raises(onboarding.UploadError):
        onboarding.check_upload(store, "org-own", {"assessors.csv": b""}, may_change_network=False)
    with pytest.raises(NotFound):
        onboarding.check_upload(store, "org-404", {"assessors.csv": A_HEADER.encode()}, may_change_network=False)


def test_a_write_that_fails_after_the_check_fails_the_job_and_writes_nothing(store: EmbeddedStore, tmp_path: Path) -> None:
    found = check(store, files(tmp_path, assessors=A_HEADER + "a-1,Ada,,,1,t-local,\na-2,Bo,,,1,,\n"))
    assert found.ok
    store.delete_theme("t-local")  # gone between the check and the write
    job = wait_for(store, onboarding.start_import(store, found, "u-importer"))
    assert job.status == "failed" and job.error is not None and "Nothing was written" in job.error
    assert store.existing_ids("Assessor", ["a-1", "a-2"]) == set()
    assert store.list_audit(action="import").items == []


def test_lines_count_like_the_format_does_with_quoted_line_breaks_and_blank_lines(store: EmbeddedStore, tmp_path: Path) -> None:
    upload = files(tmp_path, assessors="\n" + A_HEADER + 'a-1,"Ada\nLovelace",,,1,,\n\na-2,Bo,,org-other,1,,\n')
    found = check(store, upload)
    assert [(e.file, e.line, e.field) for e in found.errors] == [("assessors.csv", 6, "organisation_id")]


# -- the JSON API counterpart ------------------------------------------------------------------------


def test_the_api_lists_every_bad_row_checks_only_or_starts_a_job(tmp_path: Path, store: EmbeddedStore) -> None:
    import io

    from api.services import accounts
    from bridgework import create_app

    app = create_app({"TESTING": True, "STORE": store})
    client = app.test_client()
    user = accounts.create_user(store, "manager@example.org", roles=("org_admin",), organisation_ids=("org-own",))
    headers = {"Authorization": f"Bearer {accounts.issue_token(store, user.id, 'test').secret}"}

    def post(organisation_id: str, text: str, **form: str) -> object:
        data = {"assessors": (io.BytesIO(text.encode()), "assessors.csv"), **form}
        return client.post(
            f"/api/v1/organisations/{organisation_id}/onboarding", data=data, headers=headers, content_type="multipart/form-data"
        )

    bad = post("org-own", A_HEADER + "a-1,Ada,,org-other,1,,\na-2,Bo,,,x,,\n")
    assert bad.status_code == 422
    body = bad.get_json()["error"]
    assert body["message"] == "2 problem(s) in 2 row(s); nothing was written."
    assert [(r["file"], r["line"], r["field"]) for r in body["fields"]["rows"]] == [
        ("assessors.csv", 2, "organisation_id"),
        ("assessors.csv", 3, "experience_years"),
    ]
    checked = post("org-own", A_HEADER + "a-1,Ada,,,1,,\n", check_only="true")
    assert checked.status_code == 200 and checked.get_json() == {"rows": 1, "counts": checked.get_json()["counts"]}
    assert checked.get_json()["counts"]["assessors"] == 1
    assert store.existing_ids("Assessor", ["a-1"]) == set()
    started = post("org-own", A_HEADER + "a-1,Ada,,,1,,\n")
    assert started.status_code == 202
    job = wait_for(store, started.get_json()["job_id"])
    assert job.status == "done" and store.get_employment("a-1").organisation_id == "org-own"
    followed = client.get(started.get_json()["job_url"], headers=headers).get_json()
    assert followed["status"] == "done" and followed["result"]["counts"]["assessors"]["created"] == 1
    assert post("org-other", A_HEADER + "a-9,Zed,,,1,,\n").status_code == 403
    empty = client.post("/api/v1/organisations/org-own/onboarding", headers=headers, data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "at least one CSV file" in empty.get_json()["error"]["message"]


def test_a_contact_stored_the_other_way_round_is_a_bad_row_not_a_failed_import(store: EmbeddedStore, tmp_path: Path) -> None:
    store.create_assessor(Assessor("a-mine2", "Mo Stored"))
    store.set_employer("a-mine2", "org-own")
    store.request_contact("a-mine", "a-mine2")
    upload = files(tmp_path, contacts="from_id,to_id,status\na-mine2,a-mine,accepted\na-mine,a-mine2,accepted\n")
    found = check(store, upload)
    assert [(e.file, e.line, e.field) for e in found.errors] == [("contacts.csv", 2, None), ("contacts.csv", 3, None)]
    assert "already in contact the other way round" in found.errors[0].message
    assert "already given on line 2" in found.errors[1].message
    fixed = files(tmp_path, contacts="from_id,to_id,status\na-mine,a-mine2,accepted\n")
    found = check(store, fixed)
    assert found.ok
    assert wait_for(store, onboarding.start_import(store, found, "u-importer")).status == "done"
    assert [c.status for c in store.contacts_of("a-mine")] == ["accepted"]


def test_employed_since_with_an_empty_organisation_means_this_organisation_since_that_date(store: EmbeddedStore, tmp_path: Path) -> None:
    """The help says an empty organisation_id means this organisation, so a date beside it is the start there (it was refused)."""
    upload = files(tmp_path, assessors=A_HEADER + "a-1,Ada New,,,3,,2024-02-01\na-mine,Mina Stored,,,,,2019-01-15\n")
    found = check(store, upload)
    assert found.ok, found.errors
    job = wait_for(store, onboarding.start_import(store, found, "u-importer"))
    assert job.status == "done", job.error
    assert {a: (e.organisation_id, e.since) for a in ("a-1", "a-mine") if (e := store.get_employment(a))} == {
        "a-1": ("org-own", date(2024, 2, 1)),
        "a-mine": ("org-own", date(2019, 1, 15)),  # the date written wins over the stored one
    }


def test_the_network_import_still_needs_an_organisation_for_employed_since(tmp_path: Path) -> None:
    """Outside an organisation's own upload an empty organisation_id means no employer, so a date beside it is refused."""
    from network import csvio

    plan = csvio.read_dir(files(tmp_path, assessors=A_HEADER + "a-1,Ada New,,,3,,2024-02-01\n"))
    assert [(e.field, e.message) for e in plan.errors] == [("employed_since", "is given without an organisation_id")]
