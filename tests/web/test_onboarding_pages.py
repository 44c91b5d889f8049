"""CSV onboarding in a real browser: a bad upload lists every bad row; a good one is imported by a job whose page shows
progress and then the outcome (and the people exist); another organisation's admin is refused; cells with markup stay text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from network.domain import Organisation
from tests.web.browser import LiveApp, screenshot

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
HEADER = "id,name,email,organisation_id,experience_years,availability,themes\n"


def csv_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def add_orgs(live_app: LiveApp) -> None:
    live_app.store.create_organisation(Organisation("org-1", "Northshire Council", "local_authority", "north_east"))
    live_app.store.create_organisation(Organisation("org-2", "Southshire Trust", "nhs_trust", "london"))


def test_a_bad_upload_lists_every_bad_row_as_text_and_nothing_is_added(
    live_app: LiveApp, signed_in: Callable[..., Any], tmp_path: Path
) -> None:
    add_orgs(live_app)
    page = signed_in(("org_admin",), organisation_ids=("org-1",))
    page.goto(live_app.at("/onboarding"))
    page.get_by_role("heading", name="Add assessors to Northshire Council").wait_for()
    screenshot(page, "onboarding-upload")
    bad = (
        HEADER
        + "a-1,Ada Okafor,ada@example.org,,4,tue-pm,pcf-knowledge:experienced\n"
        + f'a-2,Bo Reyes,"{XSS.replace(chr(34), chr(34) * 2)}",,3,,\n'  # an email with markup in it
        + "a-3,Cy Patel,,org-2,2,,\n"  # another organisation
        + "a-4,Di Jones,,,-1,someday,\n"  # two bad cells
    )
    page.get_by_label("Assessors (assessors.csv)").set_input_files(csv_file(tmp_path, "people.csv", bad))
    page.get_by_label("Contacts (contacts.csv)").set_input_files(csv_file(tmp_path, "contacts.csv", "from_id,to_id\na-1,a-404\n"))
    page.get_by_role("button", name="Check and add").click()
    alert = page.get_by_role("alert").filter(has_text="nothing was added")
    alert.wait_for()
    assert "5 problems in 4 rows" in alert.inner_text()
    table = page.get_by_role("table", name="Every problem found, by file and line")
    cells = [[c.strip() for c in row.split("\t")] for row in table.locator("tbody tr").all_inner_texts()]
    assert [row[:3] for row in cells] == [
        ["assessors.csv", "3", "email"],
        ["assessors.csv", "4", "organisation_id"],
        ["assessors.csv", "5", "experience_years"],
        ["assessors.csv", "5", "availability"],
        ["contacts.csv", "2", "to_id"],
    ]
    assert XSS in cells[0][3]  # the bad cell is quoted back as text
    assert cells[2][4] and cells[4][4]  # each line names whose row it is (issue 17)
    assert page.evaluate("window.__xss") is None
    screenshot(page, "onboarding-report")
    page.set_viewport_size({"width": 360, "height": 740})  # the report reads on a phone too, one card per problem
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "onboarding-report-phone")
    assert live_app.store.existing_ids("Assessor", ["a-1", "a-2", "a-3", "a-4"]) == set()


def test_a_good_upload_shows_progress_then_the_outcome_and_the_people_exist(
    live_app: LiveApp, signed_in: Callable[..., Any], tmp_path: Path
) -> None:
    add_orgs(live_app)
    page = signed_in(("org_admin",), organisation_ids=("org-1",))
    page.goto(live_app.at("/organisations/org-1/onboarding"))
    people = "".join(f"a-{n},Person {n} {XSS if n == 7 else ''},,,{n % 30},tue-pm;thu-am,pcf-knowledge:exploring\n" for n in range(1, 301))
    page.get_by_label("Assessors (assessors.csv)").set_input_files(csv_file(tmp_path, "assessors.csv", HEADER + people))
    page.get_by_label("Contacts (contacts.csv)").set_input_files(
        csv_file(tmp_path, "contacts.csv", "from_id,to_id,status\na-1,a-2,accepted\n")
    )
    page.get_by_role("button", name="Check and add").click()
    page.wait_for_url(lambda url: "/onboarding/jobs/job-" in url)
    job_url = page.url
    # the page follows the job (jobs.js) and, when it has finished, shows the outcome from the server
    page.get_by_role("heading", name="Finished: 300 new assessors").wait_for(timeout=30_000)
    screenshot(page, "onboarding-done")
    assert page.get_by_role("row", name="Assessors 300 0 0", exact=True).is_visible()
    store = live_app.store
    assert len(store.existing_ids("Assessor", [f"a-{n}" for n in range(1, 301)])) == 300
    assert store.get_employment("a-7").organisation_id == "org-1"
    assert store.get_assessor("a-7").name == f"Person 7 {XSS}"
    assert [c.status for c in store.contacts_of("a-1")] == ["accepted"]
    assert store.list_audit(action="import").items[0].target_id == "org-1"

    # the page can be left and opened again; another organisation's admin may not open it
    page.goto(live_app.at("/organisations/org-1/onboarding"))
    page.get_by_role("heading", name="Your recent uploads").wait_for()
    page.goto(job_url)
    assert page.get_by_role("heading", name="Finished: 300 new assessors").is_visible()
    other = signed_in(("org_admin",), organisation_ids=("org-2",))
    assert other.goto(job_url).status == 403
    assert other.goto(live_app.at("/organisations/org-1/onboarding")).status == 403
    screenshot(other, "onboarding-refused")


def test_the_progress_bar_follows_a_running_job(live_app: LiveApp, signed_in: Callable[..., Any]) -> None:
    """A job held half-way shows its progress and message; when released the page moves on to the outcome."""
    import threading

    from api import jobs

    add_orgs(live_app)
    page = signed_in(("org_admin",), organisation_ids=("org-1",))
    owner = live_app.store.get_user_by_email("person1@example.org").id
    release = threading.Event()

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        ctx.progress(40, 100, "Writing 100 rows")
        release.wait(20)
        return {
            "organisation_id": "org-1",
            "rows": 100,
            "changed": True,
            "counts": {"assessors": {"created": 5, "updated": 0, "unchanged": 0}},
        }

    with live_app.app.app_context():
        job_id = jobs.start_job("onboarding", owner, work, scope={"organisation_id": "org-1"})
    page.goto(live_app.at(f"/organisations/org-1/onboarding/jobs/{job_id}"))
    bar = page.get_by_role("progressbar")
    page.wait_for_function("document.querySelector('progress').value === 40")
    assert bar.get_attribute("max") == "100"
    assert page.get_by_role("status").filter(has_text="Writing 100 rows (40 of 100)").is_visible()
    screenshot(page, "onboarding-progress")
    release.set()
    page.get_by_role("heading", name="Finished: 5 new assessors").wait_for(timeout=20_000)


def test_signed_out_people_are_sent_to_sign_in(live_app: LiveApp, page: Any) -> None:
    add_orgs(live_app)
    page.goto(live_app.at("/organisations/org-1/onboarding"))
    page.wait_for_url(lambda url: "/login?next=/organisations/org-1/onboarding" in url)


def test_an_upload_over_the_size_limit_gets_a_clear_page_and_nothing_is_added(
    live_app: LiveApp, signed_in: Callable[..., Any], tmp_path: Path
) -> None:
    add_orgs(live_app)
    live_app.app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    page = signed_in(("org_admin",), organisation_ids=("org-1",))
    page.goto(live_app.at("/organisations/org-1/onboarding"))
    rows = "".join(f"a-{n},Person {n},,,1,,\n" for n in range(5000))
    page.get_by_label("Assessors (assessors.csv)").set_input_files(csv_file(tmp_path, "assessors.csv", HEADER + rows))
    page.get_by_role("button", name="Check and add").click()
    page.get_by_role("heading", name="The files are too large").wait_for()
    assert "at most 0.06 MB" in page.get_by_role("alert").inner_text()
    screenshot(page, "onboarding-too-large")
    page.get_by_role("link", name="Back to the upload page").click()
    page.get_by_role("heading", name="Add assessors to Northshire Council").wait_for()
    assert live_app.store.counts()["assessors"] == 0


def test_the_format_help_examples_pass_the_real_check(live_app: LiveApp, signed_in: Callable[..., Any], tmp_path: Path) -> None:
    """Every example cell the help shows is read off the page and uploaded: the check must find nothing wrong."""
    add_orgs(live_app)
    page = signed_in(("org_admin",), organisation_ids=("org-1",))
    page.goto(live_app.at("/organisations/org-1/onboarding"))
    help_box = page.locator("details.format")
    help_box.locator("summary").click()
    themes = help_box.locator("li").filter(has_text="lists themes with a level").locator("code").last.inner_text()
    slots = help_box.locator("li").filter(has_text="lists weekly times").locator("code").nth(1).inner_text()
    values = help_box.locator("li").filter(has_text="Yes/no columns").locator("code").all_inner_texts()
    own = help_box.locator("li").filter(has_text="Leave organisation_id empty").locator("code").nth(1).inner_text()
    *flags, day = values
    assert themes and slots and len(flags) == 6 and day and own == "org-1"
    rows = "".join(f"a-{n},Person {n},{own},{slots},{themes},{flag},{day}\n" for n, flag in enumerate(flags, start=1))
    upload = csv_file(tmp_path, "assessors.csv", "id,name,organisation_id,availability,themes,discoverable,employed_since\n" + rows)
    page.get_by_label("Assessors (assessors.csv)").set_input_files(upload)
    page.get_by_role("button", name="Only check the files").click()
    page.wait_for_load_state()
    problems = page.locator("table.rows tbody tr").all_inner_texts()
    assert problems == []
    assert page.get_by_role("status").filter(has_text="All 6 rows are fine").is_visible()
