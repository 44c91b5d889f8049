"""Contract of the accounts area on both stores: users and scopes, API tokens, reset links, the audit log, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_accounts import ApiToken, AuditEntry, PasswordReset, User
from network.domain import Assessor

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def user(make, n: int = 0, **changes) -> User:
    fields = {"id": make.id("u", n), "email": f"{make.id('u', n)}@example.org", "password_hash": "hash", "roles": ("assessor",)}
    return User(**(fields | changes))


def entry(make, n: int, action: str = "user:roles", at: datetime = NOW, **changes) -> AuditEntry:
    fields = {
        "id": f"{at:%Y%m%dT%H%M%S%f}-{make.tag}{n:02d}",
        "at": at,
        "actor_id": "admin-1",
        "action": action,
        "target_kind": "user",
        "target_id": make.id("u", n),
        "details": {"before": ["assessor"], "after": ["admin"]},
    }
    return AuditEntry(**(fields | changes))


# -- users and scopes ----------------------------------------------------------------


def test_a_user_round_trips_with_its_scopes(store: GraphStore, make):
    org, assessor = store.create_organisation(make.org(1)), store.create_assessor(make.assessor(1))
    created = store.create_user(user(make, roles=("org_admin", "assessor"), assessor_id=assessor.id, organisation_ids=(org.id,)))
    assert created.roles == ("assessor", "org_admin")
    assert created.assessor_id == assessor.id and created.organisation_ids == (org.id,)
    assert created.created_at is not None and created.created_at.tzinfo is not None
    assert store.get_user(created.id) == created
    assert store.get_user_by_email(created.email) == created
    assert store.user_for_assessor(assessor.id) == created
    assert store.user_for_assessor(make.id("a", 9)) is None


def test_duplicate_id_or_email_is_a_conflict_and_writes_nothing(store: GraphStore, make):
    store.create_user(user(make, 1))
    with pytest.raises(Conflict):
        store.create_user(user(make, 1, email="other@example.org"))
    with pytest.raises(Conflict):
        store.create_user(user(make, 2, email=f"{make.id('u', 1)}@example.org"))
    assert [u.id for u in store.list_users().items] == [make.id("u", 1)]


def test_linking_a_missing_node_is_not_found_and_writes_nothing(store: GraphStore, make):
    with pytest.raises(NotFound):
        store.create_user(user(make, 1, assessor_id=make.id("a", 404)), audit=entry(make, 1))
    with pytest.raises(NotFound):
        store.create_user(user(make, 1, organisation_ids=(make.id("org", 404),)))
    with pytest.raises(NotFound):
        store.create_user(user(make, 1, programme_ids=(make.id("p", 404),)))
    assert store.list_users().items == []
    assert store.list_audit().items == []


def test_an_assessor_has_at_most_one_user(store: GraphStore, make):
    a = store.create_assessor(make.assessor(1))
    store.create_user(user(make, 1, assessor_id=a.id))
    with pytest.raises(Conflict):
        store.create_user(user(make, 2, assessor_id=a.id))


def test_scopes_are_replaced_as_a_whole(store: GraphStore, make):
    orgs = [store.create_organisation(make.org(n)) for n in range(3)]
    a = store.create_assessor(make.assessor(1))
    u = store.create_user(user(make, organisation_ids=(orgs[0].id, orgs[1].id)))
    changed = store.set_user_scopes(u.id, assessor_id=a.id, organisation_ids=[orgs[2].id, orgs[1].id], audit=entry(make, 1, "user:scopes"))
    assert changed.assessor_id == a.id and changed.organisation_ids == (orgs[1].id, orgs[2].id)
    cleared = store.set_user_scopes(u.id)
    assert (cleared.assessor_id, cleared.organisation_ids, cleared.programme_ids) == (None, (), ())
    with pytest.raises(NotFound):
        store.set_user_scopes(u.id, organisation_ids=[orgs[0].id, make.id("org", 404)])
    assert store.get_user(u.id).organisation_ids == ()  # the failed replacement changed nothing
    assert [e.action for e in store.list_audit().items] == ["user:scopes"]


def test_update_user_changes_only_what_is_given_and_audits_in_the_same_write(store: GraphStore, make):
    u = store.create_user(user(make, roles=("assessor",)))
    changed = store.update_user(u.id, roles=["admin", "coordinator", "admin"], audit=entry(make, 0))
    assert changed.roles == ("admin", "coordinator") and changed.email == u.email and changed.active
    assert store.update_user(u.id, active=False).active is False
    assert store.get_user(u.id).roles == ("admin", "coordinator")
    assert [e.details for e in store.list_audit().items] == [{"before": ["assessor"], "after": ["admin"]}]
    other = store.create_user(user(make, 1))
    with pytest.raises(Conflict):
        store.update_user(other.id, email=u.email, audit=entry(make, 1))
    assert len(store.list_audit().items) == 1
    with pytest.raises(NotFound):
        store.update_user(make.id("u", 404), active=True)


def test_users_page_in_id_order_and_filter_by_role(store: GraphStore, make):
    for n in range(5):
        store.create_user(user(make, n, roles=("admin",) if n % 2 else ("assessor",)))
    first = store.list_users(limit=2)
    assert [u.id for u in first.items] == [make.id("u", 0), make.id("u", 1)]
    rest = store.list_users(limit=10, after=first.next_after)
    assert [u.id for u in rest.items] == [make.id("u", n) for n in (2, 3, 4)] and rest.next_after is None
    assert [u.id for u in store.list_users(role="admin").items] == [make.id("u", 1), make.id("u", 3)]


def test_password_hash_and_deletion(store: GraphStore, make):
    u = store.create_user(user(make, password_hash=None))
    assert u.password_hash is None
    store.set_password_hash(u.id, "new-hash")
    assert store.get_user(u.id).password_hash == "new-hash"
    store.create_token(ApiToken(id=make.id("t"), user_id=u.id, name="ci", secret_hash="h", created_at=NOW))
    store.create_reset(PasswordReset(id=make.id("r"), user_id=u.id, expires_at=NOW + timedelta(hours=1)))
    store.delete_user(u.id, audit=entry(make, 0, "user:delete"))
    with pytest.raises(NotFound):
        store.get_user(u.id)
    assert store.token_with_user(make.id("t")) is None
    with pytest.raises(NotFound):
        store.get_reset(make.id("r"))
    with pytest.raises(NotFound):
        store.delete_user(u.id)
    with pytest.raises(NotFound):
        store.set_password_hash(u.id, "x")


def test_deleting_the_assessor_removes_the_link_but_not_the_login(store: GraphStore, make):
    a = store.create_assessor(make.assessor(1))
    u = store.create_user(user(make, assessor_id=a.id))
    store.delete_assessor(a.id)
    assert store.get_user(u.id).assessor_id is None


# -- API tokens ----------------------------------------------------------------------------


def test_tokens_are_found_with_their_user_listed_newest_first_and_revoked(store: GraphStore, make):
    org = store.create_organisation(make.org(1))
    u = store.create_user(user(make, roles=("org_admin",), organisation_ids=(org.id,)))
    older = ApiToken(id=make.id("t", 1), user_id=u.id, name="old", secret_hash="h1", created_at=NOW, expires_at=NOW + timedelta(days=1))
    newer = ApiToken(id=make.id("t", 2), user_id=u.id, name="new", secret_hash="h2", created_at=NOW + timedelta(minutes=1))
    store.create_token(older)
    store.create_token(newer)
    assert store.token_with_user(older.id) == (older, u)
    assert [t.id for t in store.list_tokens(u.id)] == [newer.id, older.id]
    store.touch_token(older.id, NOW + timedelta(hours=2))
    assert store.token_with_user(older.id)[0].last_used_at == NOW + timedelta(hours=2)
    with pytest.raises(Conflict):
        store.create_token(older)
    other = store.create_user(user(make, 2))
    with pytest.raises(NotFound):
        store.delete_token(other.id, older.id)  # not theirs
    store.delete_token(u.id, older.id)
    assert store.token_with_user(older.id) is None
    with pytest.raises(NotFound):
        store.delete_token(u.id, older.id)
    with pytest.raises(NotFound):
        store.create_token(ApiToken(id=make.id("t", 3), user_id=make.id("u", 404), name="x", secret_hash="h", created_at=NOW))
    store.touch_token(make.id("t", 404), NOW)  # harmless


# -- reset links -----------------------------------------------------------------------------


def test_a_reset_link_is_used_once(store: GraphStore, make):
    u = store.create_user(user(make))
    reset = store.create_reset(PasswordReset(id=make.id("r", 1), user_id=u.id, expires_at=NOW + timedelta(hours=1), created_by="admin-1"))
    assert store.get_reset(reset.id) == reset
    changed = store.use_reset(reset.id, NOW, "fresh-hash")
    assert changed.password_hash == "fresh-hash"
    with pytest.raises(NotFound):
        store.use_reset(reset.id, NOW, "again")
    assert store.get_user(u.id).password_hash == "fresh-hash"


def test_a_new_reset_link_replaces_the_old_one(store: GraphStore, make):
    u = store.create_user(user(make))
    store.create_reset(PasswordReset(id=make.id("r", 1), user_id=u.id, expires_at=NOW + timedelta(hours=1)))
    store.create_reset(PasswordReset(id=make.id("r", 2), user_id=u.id, expires_at=NOW + timedelta(hours=1)), audit=entry(make, 0))
    with pytest.raises(NotFound):
        store.get_reset(make.id("r", 1))
    assert store.get_reset(make.id("r", 2)).user_id == u.id


def test_an_expired_reset_link_is_spent_and_changes_nothing(store: GraphStore, make):
    u = store.create_user(user(make))
    store.create_reset(PasswordReset(id=make.id("r", 1), user_id=u.id, expires_at=NOW))
    with pytest.raises(Invalid):
        store.use_reset(make.id("r", 1), NOW + timedelta(seconds=1), "late")
    assert store.get_user(u.id).password_hash == "hash"
    with pytest.raises(NotFound):
        store.get_reset(make.id("r", 1))


# -- audit log --------------------------------------------------------------------------------


def test_audit_entries_list_newest_first_with_filters_and_pages(store: GraphStore, make):
    for n in range(5):
        store.record_audit(
            entry(make, n, "user:roles" if n % 2 else "privacy:erase", at=NOW + timedelta(minutes=n), actor_id=f"actor-{n % 2}")
        )
    everything = store.list_audit()
    assert [e.target_id for e in everything.items] == [make.id("u", n) for n in (4, 3, 2, 1, 0)]
    first = store.list_audit(limit=2)
    second = store.list_audit(limit=2, after=first.next_after)
    assert [e.target_id for e in first.items + second.items] == [make.id("u", n) for n in (4, 3, 2, 1)]
    assert [e.target_id for e in store.list_audit(action="user:roles").items] == [make.id("u", 3), make.id("u", 1)]
    assert [e.target_id for e in store.list_audit(actor_id="actor-0").items] == [make.id("u", n) for n in (4, 2, 0)]
    assert [e.action for e in store.list_audit(target_id=make.id("u", 2)).items] == ["privacy:erase"]
    assert everything.items[0].at == NOW + timedelta(minutes=4)
    with pytest.raises(Conflict):
        store.record_audit(everything.items[0])


# -- erasure ------------------------------------------------------------------------------------


def placeholder(make) -> Assessor:
    return Assessor(id=make.id("erased"), name="Former member", discoverable=False, active=False, capacity=0)


def test_erasure_removes_the_person_their_ties_and_login(store: GraphStore, make):
    org, theme = store.create_organisation(make.org(1)), store.create_theme(make.theme(1))
    person, other = store.create_assessor(make.assessor(1, email="p@example.org")), store.create_assessor(make.assessor(2))
    store.set_employer(person.id, org.id, date(2024, 1, 1))
    store.set_theme(person.id, theme.id, "exploring")
    store.request_contact(person.id, other.id)
    store.decline_suggestion(other.id, person.id)
    u = store.create_user(user(make, assessor_id=person.id))
    store.create_token(ApiToken(id=make.id("t"), user_id=u.id, name="ci", secret_hash="h", created_at=NOW))
    report = store.erase_assessor(person.id, placeholder(make), today=date(2026, 3, 1), audit=entry(make, 0, "privacy:erase"))
    assert (report.erased, report.placeholder_id, report.memberships_kept, report.account_deleted) == (person.id, None, 0, True)
    with pytest.raises(NotFound):
        store.get_assessor(person.id)
    with pytest.raises(NotFound):
        store.get_user(u.id)
    assert store.token_with_user(make.id("t")) is None
    assert store.contacts_of(other.id) == [] and store.declines_of(other.id) == []
    with pytest.raises(NotFound):
        store.get_assessor(make.id("erased"))  # no sets, so no placeholder
    assert [a.id for a in store.list_assessors().items] == [other.id]
    assert [e.action for e in store.list_audit().items] == ["privacy:erase"]
    with pytest.raises(NotFound):
        store.erase_assessor(person.id, placeholder(make), today=date(2026, 3, 1))


def test_erasure_hands_set_memberships_to_an_anonymous_placeholder(store: GraphStore, make):
    from graph.port_sets import NewSet
    from network.domain import ActionLearningSet, Programme

    org = store.create_organisation(make.org(1))
    people = [store.create_assessor(make.assessor(n, email=f"p{n}@example.org")) for n in range(3)]
    for a in people:
        store.set_employer(a.id, org.id)
    programme = store.create_programme(Programme(id=make.id("p"), name="Programme"))
    for a in people:
        store.enrol(programme.id, a.id)
    store.create_user(user(make, assessor_id=people[0].id))
    store.commit_sets(
        programme.id,
        [NewSet(set=ActionLearningSet(id=make.id("s"), name="Set", programme_id=programme.id), member_ids=tuple(a.id for a in people))],
        joined=date(2026, 1, 5),
    )
    report = store.erase_assessor(people[0].id, placeholder(make), today=date(2026, 3, 1))
    assert report.placeholder_id == make.id("erased") and report.memberships_kept == 1 and report.account_deleted
    stand_in = store.get_assessor(make.id("erased"))
    assert (stand_in.name, stand_in.email, stand_in.findable, stand_in.capacity) == ("Former member", None, False, 0)
    assert store.get_employment(stand_in.id) is None and store.theme_links(stand_in.id) == []
    members = {m.assessor_id: m for m in store.members_of(make.id("s"))}
    assert set(members) == {stand_in.id, people[1].id, people[2].id}
    assert members[stand_in.id].left == date(2026, 3, 1)  # no longer a current member
    assert members[people[1].id].left is None
    assert [e.assessor_id for e in store.enrolments(programme.id)] == [people[1].id, people[2].id]
