"""In a real browser, on the demo network (issue 17): every role signs in with one click from the sign-in page and
lands on a home of its own; programmes are shown in every state; people management, the audit log in words and
closing a programme, walked as each person would."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import urlsplit

from api.services import accounts, demo
from graph.port import NotFound
from tests.web.browser import LiveApp, screenshot, sign_in
from tests.web.demo_network import demo_live, demo_sign_in, demo_template  # noqa: F401

CODE = re.compile(r"\b[a-z_]+:[a-z_-]+\b|\bset-[0-9a-f]{6,}\b|\bu-[0-9a-f]{8,}\b|\ba-\d{4,}\b|\bprog-[0-9a-f]+\b")


def _assessor_of(live: LiveApp, email: str) -> str:
    user = live.store.get_user_by_email(email)
    assert user.assessor_id is not None
    return user.assessor_id


def test_the_sign_in_page_offers_every_role_and_each_lands_on_a_home_of_its_own(demo_live: LiveApp, new_page: Any) -> None:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(demo_live.at("/login"))
    buttons = page.get_by_role("button", name=re.compile("^Continue as "))
    assert buttons.count() == 4
    screenshot(page, "demo-sign-in")

    demo_sign_in(page, demo_live, "an isolated assessor")
    home = page.get_by_role("main")
    assert page.get_by_role("heading", name="As an assessor").is_visible()
    assert "Next meeting" in home.inner_text() and "None planned" not in home.inner_text()
    assert page.get_by_role("link", name="Answer contact requests").is_visible()  # a request waits for them
    assert page.get_by_role("link", name="See your suggestions").is_visible()
    assert page.get_by_role("link", name="Answer it").is_visible()  # the 3-month questionnaire is due
    assert page.get_by_role("heading", name="As a coordinator").count() == 0
    screenshot(page, "home-assessor")

    coordinator = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(coordinator, demo_live, "a coordinator of three programmes")
    table = coordinator.get_by_role("table", name="Your programmes by state")
    for state in ("Open for enrolment", "Forming sets", "Running"):
        assert table.get_by_role("row").filter(has_text=state).count() == 1, state
    running = table.get_by_role("row").filter(has_text="Running")
    assert running.get_by_role("link", name="1 waiting").is_visible()  # a request to join waits for a decision
    screenshot(coordinator, "home-coordinator")

    org_admin = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(org_admin, demo_live, "an organisation admin")
    text = org_admin.get_by_role("main").inner_text()
    assert "Organisations reached" in text and "Isolated" in text
    action = org_admin.get_by_role("link", name=re.compile("^see .+ and invite them$")).first
    action.click()
    org_admin.wait_for_url(re.compile(r"/people/"))
    assert org_admin.get_by_role("button", name=re.compile("^Invite .+ to sign in$")).is_visible()
    screenshot(org_admin, "home-org-admin-action")

    admin = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(admin, demo_live, "a network admin")
    part = admin.get_by_role("region", name="As a network admin")
    assert "Assessors" in part.inner_text() and "Recent changes" in part.inner_text()
    assert not CODE.search(part.inner_text()), CODE.search(part.inner_text())
    screenshot(admin, "home-admin")


def test_a_person_with_several_roles_sees_each_part_of_the_home(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    persona = _assessor_of(demo_live, demo.ACCOUNTS[0].email)
    org = store.get_employment(persona)
    assert org is not None
    accounts.create_user(
        store,
        "many.hats@example.org",
        roles=("coordinator", "org_admin", "admin"),
        password="correct horse battery staple",
        organisation_ids=(org.organisation_id,),
        programme_ids=(demo.RUNNING,),
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_live, "many.hats@example.org")
    page.wait_for_url(demo_live.at("/home"))
    for heading in ("As a coordinator", "As a network admin", store.get_organisation(org.organisation_id).name):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading


def test_the_demo_sign_ins_are_offered_only_in_demo_mode(demo_live: LiveApp, new_page: Any) -> None:
    demo_live.app.config["DEMO"] = False
    page = new_page()
    page.goto(demo_live.at("/login"))
    assert page.get_by_role("button", name=re.compile("^Continue as ")).count() == 0
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    response = page.request.post(demo_live.at("/login/demo/admin"), form={"csrf_token": token or ""})
    assert response.status == 404
    demo_live.app.config["DEMO"] = True
    demo_live.app.config["BRIDGEWORK_ENV"] = "production"
    page.goto(demo_live.at("/login"))
    assert page.get_by_role("button", name=re.compile("^Continue as ")).count() == 0


def test_an_admin_finds_edits_moves_deactivates_and_invites_a_person(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "a network admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="People").click()
    rows = page.get_by_role("table", name="People").get_by_role("row")
    assert rows.count() == 26  # a header and a page of 25
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile("after="))

    persona = store.get_assessor(_assessor_of(demo_live, demo.ACCOUNTS[0].email))
    # someone without a sign-in, found by part of their name
    target = next(
        a
        for a in store.list_assessors(limit=200).items
        if a.active and a.email and store.user_for_assessor(a.id) is None and a.id != persona.id
    )
    page.goto(demo_live.at("/people"))
    page.get_by_label("Name or email contains").fill(target.name.split()[-1].upper())
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile("q="))
    page.get_by_role("link", name=target.name, exact=True).first.click()
    page.wait_for_url(demo_live.at(f"/people/{target.id}"))
    screenshot(page, "people-person")

    page.get_by_label("Name").fill(target.name + " Jones")
    page.get_by_role("button", name="Save the details").click()
    page.get_by_role("status").filter(has_text="Saved the details").wait_for()
    assert store.get_assessor(target.id).name == target.name + " Jones"

    before = store.get_employment(target.id)
    assert before is not None
    choice = page.get_by_label("New organisation")
    new_org = choice.locator("option").nth(1).get_attribute("value")
    choice.select_option(new_org)
    page.get_by_role("button", name=re.compile("^Move ")).click()
    page.get_by_role("status").filter(has_text="now works for").wait_for()
    after = store.get_employment(target.id)
    assert after is not None and after.organisation_id == new_org
    history = page.get_by_role("region", name="Move to another organisation").inner_text()
    assert f"moved from {store.get_organisation(before.organisation_id).name} to {store.get_organisation(new_org).name}" in history

    page.get_by_role("button", name=re.compile("^Invite .+ to sign in$")).click()
    link = page.locator("code.secret").inner_text()
    assert "/reset/" in link
    user = store.user_for_assessor(target.id)
    assert user is not None and user.roles == ("assessor",) and user.password_hash is None  # nobody typed a password

    page.get_by_role("button", name=re.compile("^Deactivate ")).click()
    page.get_by_role("status").filter(has_text="is deactivated").wait_for()
    assert store.get_assessor(target.id).active is False and store.get_user(user.id).active is False
    page.get_by_role("button", name=re.compile("^Make .+ active again$")).click()
    page.get_by_role("status").filter(has_text="is active again").wait_for()
    assert store.get_assessor(target.id).active is True and store.get_user(user.id).active is True

    # the person chooses their own password through the link, then signs in and lands on their home
    them = new_page(viewport={"width": 1280, "height": 900})
    them.goto(demo_live.at(urlsplit(link).path))  # the link names the configured site; this test serves elsewhere
    them.get_by_label("New password").fill("a password of my own choosing")
    them.get_by_label("The same password again").fill("a password of my own choosing")
    them.get_by_role("button").filter(has_text=re.compile("password", re.I)).first.click()
    them.wait_for_url(re.compile("/login"))
    sign_in(them, demo_live, user.email, "a password of my own choosing")
    them.wait_for_url(demo_live.at("/home"))
    assert them.get_by_role("heading", name="As an assessor").is_visible()


def test_an_organisation_admin_manages_only_the_people_of_their_organisation(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    admin_user = store.get_user_by_email(demo.ACCOUNTS[2].email)
    (own,) = admin_user.organisation_ids
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "an organisation admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="People").click()
    names = page.get_by_role("table", name="People").get_by_role("row").filter(has=page.locator("th[scope=row]"))
    own_name = store.get_organisation(own).name
    for k in range(names.count()):
        assert own_name in names.nth(k).inner_text()
    options = page.get_by_label("Organisation").locator("option")
    assert options.count() == 2  # "All of yours" and their own
    stranger = next(a for a in store.list_assessors(limit=300).items if (e := store.get_employment(a.id)) and e.organisation_id != own)
    response = page.goto(demo_live.at(f"/people/{stranger.id}"))
    assert response is not None and response.status == 403
    page.goto(demo_live.at(f"/people?organisation={store.get_employment(stranger.id).organisation_id}"))
    assert page.get_by_text("Nobody matches.").is_visible()


def test_an_admin_links_a_sign_in_to_an_assessor_by_choosing_them(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    target = next(a for a in store.list_assessors(limit=200).items if a.active and store.user_for_assessor(a.id) is None)
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "a network admin")
    page.goto(demo_live.at("/admin/users/new"))
    page.get_by_label("Email").fill("new.person@example.org")
    page.get_by_role("checkbox", name="Assessor").check()
    assert page.get_by_label(re.compile("Assessor id")).count() == 0  # nobody types an id
    page.get_by_label("Find the person by name or e-mail address").fill(target.name)
    page.get_by_role("button", name="Find").click()
    page.get_by_label(re.compile("^" + re.escape(target.name))).first.check()
    assert page.get_by_label("Email").input_value() == "new.person@example.org"  # what was typed stays
    page.get_by_role("button", name="Create the user").click()
    page.get_by_role("heading", name="new.person@example.org can now use Bridgework").wait_for()
    assert store.get_user_by_email("new.person@example.org").assessor_id == target.id


def test_the_audit_log_reads_in_words_filters_every_way_and_downloads(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "a network admin")
    page.goto(demo_live.at("/admin/audit"))
    table = page.get_by_role("table", name="Audit entries")
    text = table.inner_text()
    assert "asked to join Bridging practice 2026: set" in text or "Bridging practice 2026" in text
    assert not CODE.search(text), CODE.search(text)
    screenshot(page, "audit-in-words")

    page.get_by_label("Action").select_option(label="Sets were formed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile("action="))
    rows = page.get_by_role("table", name="Audit entries").get_by_role("row")
    assert rows.count() == 2 and "formed 4 sets of Bridging practice 2026 with 24 people" in rows.nth(1).inner_text()

    # by person: the demo admin's own changes (they close a programme first)
    page.goto(demo_live.at("/programmes"))
    page.get_by_role("button", name="Close Assessors together 2027").click()
    page.get_by_role("status").filter(has_text="is closed").wait_for()
    page.goto(demo_live.at("/admin/audit"))
    page.get_by_label("Person (their email)").fill(demo.ACCOUNTS[3].email)
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_role("table", name="Audit entries").get_by_role("row")
    assert rows.count() == 2 and "closed the programme Assessors together 2027" in rows.nth(1).inner_text()

    # by organisation: entries about its people only
    persona = _assessor_of(demo_live, demo.ACCOUNTS[0].email)
    employment = store.get_employment(persona)
    assert employment is not None
    page.goto(demo_live.at("/admin/audit"))
    page.get_by_label("Organisation").select_option(employment.organisation_id)
    page.get_by_role("button", name="Show").click()
    body = page.get_by_role("table", name="Audit entries").inner_text()
    assert store.get_assessor(persona).name in body

    # by date: nothing before the network existed; a bad range is refused in words
    page.goto(demo_live.at("/admin/audit?since=2020-01-01&until=2020-12-31"))
    assert page.get_by_text("No entries match.").is_visible()
    response = page.goto(demo_live.at("/admin/audit?since=2021-01-01&until=2020-12-31"))
    assert response is not None and response.status == 422
    assert page.get_by_role("alert").filter(has_text="The first day comes after the last day.").is_visible()

    page.goto(demo_live.at("/admin/audit?action=programme:close"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these entries as CSV").click()
    with open(download.value.path(), encoding="utf-8") as file:
        content = file.read()
    lines = list(csv.reader(io.StringIO(content)))
    assert lines[0] == ["when", "who", "action", "what"]
    assert lines[1][1:] == [demo.ACCOUNTS[3].email, "A programme was closed", "closed the programme Assessors together 2027"]


def test_programmes_move_through_their_states_and_a_coordinator_closes_one(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "a coordinator of three programmes")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Programmes").click()
    table = page.get_by_role("table")
    for name, state in (
        ("Bridging practice 2026", "Running"),
        ("Practice educators North 2027", "Forming sets"),
        ("Assessors together 2027", "Open for enrolment"),
    ):
        assert state in table.get_by_role("row").filter(has_text=name).inner_text(), name
    page.get_by_role("button", name="Close Bridging practice 2026").click()
    page.get_by_role("status").filter(has_text="Bridging practice 2026 is closed").wait_for()
    assert "Closed" in page.get_by_role("table").get_by_role("row").filter(has_text="Bridging practice 2026").inner_text()
    assert store.get_programme(demo.RUNNING).status == "closed"
    assert all(r.set.status == "closed" for r in store.sets_of_programme(demo.RUNNING))
    assert page.get_by_role("button", name="Close Bridging practice 2026").count() == 0
    screenshot(page, "programmes-lifecycle")


def test_deleting_an_organisation_with_people_points_to_the_people_page(demo_live: LiveApp, new_page: Any) -> None:
    store = demo_live.store
    persona = _assessor_of(demo_live, demo.ACCOUNTS[0].email)
    employment = store.get_employment(persona)
    assert employment is not None
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "a network admin")
    page.goto(demo_live.at(f"/admin/organisations/{employment.organisation_id}/delete"))
    page.get_by_label("Yes, delete it").check()
    page.get_by_role("button", name=re.compile("Delete")).click()
    page.get_by_role("link", name=re.compile("^See the people of ")).click()
    page.wait_for_url(re.compile(r"/people\?organisation="))
    assert page.get_by_role("table", name=re.compile("People")).get_by_role("link", name=store.get_assessor(persona).name).is_visible()
    try:
        store.get_organisation(employment.organisation_id)
    except NotFound:  # pragma: no cover - the organisation must still exist
        raise AssertionError("the organisation was deleted") from None


def test_an_organisation_admin_onboards_with_the_template_the_theme_list_and_the_good_rows_only(
    demo_live: LiveApp, new_page: Any, tmp_path: Any
) -> None:
    store = demo_live.store
    (own,) = store.get_user_by_email(demo.ACCOUNTS[2].email).organisation_ids
    page = new_page(viewport={"width": 1280, "height": 900})
    demo_sign_in(page, demo_live, "an organisation admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Add assessors").click()
    page.get_by_role("heading", name=re.compile("^Add assessors to ")).wait_for()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download a template assessors.csv").click()
    with open(download.value.path(), encoding="utf-8") as file:
        template = file.read()
    header, example = template.splitlines()[:2]
    assert header.startswith("id,name,email,organisation_id") and own in example

    page.get_by_text(re.compile(r"^The practice themes you can use \(\d+\)$")).click()
    themes = page.get_by_role("table", name="Practice themes")
    assert themes.get_by_role("row").count() > 10 and "pcf-values-and-ethics" in themes.inner_text()

    rows = header + "\n" + "\n".join(
        [
            "a-new-1,Priya Good,priya@example.org,,,3,1,yes,,,tue-pm,pcf-values-and-ethics:experienced,,,",
            "a-new-2,Tom Bad,tom@example.org,,,-1,1,yes,,,tue-pm,,,,",
            "a-new-3,Lena Good,lena@example.org,,,5,1,yes,,,thu-am,,,,",
        ]
    ) + "\n"
    path = tmp_path / "assessors.csv"
    path.write_text(rows, encoding="utf-8")
    page.get_by_label("Assessors (assessors.csv)").set_input_files(str(path))
    page.get_by_role("button", name="Check and add").click()
    report = page.get_by_role("table", name="Every problem found, by file and line")
    report.wait_for()
    problem = report.get_by_role("row").filter(has_text="experience_years")
    assert "Tom Bad" in problem.inner_text()  # the report names the person on the line
    assert store.existing_ids("Assessor", ["a-new-1", "a-new-2", "a-new-3"]) == set()  # nothing added yet
    screenshot(page, "onboarding-report-with-names")

    page.get_by_label("Assessors (assessors.csv)").set_input_files(str(path))
    page.get_by_role("button", name="Add only the good rows").click()
    page.wait_for_url(lambda url: "/onboarding/jobs/job-" in url)
    page.get_by_role("heading", name=re.compile("^Finished")).wait_for(timeout=30_000)
    assert store.existing_ids("Assessor", ["a-new-1", "a-new-2", "a-new-3"]) == {"a-new-1", "a-new-3"}
    employment = store.get_employment("a-new-1")
    assert employment is not None and employment.organisation_id == own
