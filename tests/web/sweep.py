"""Every page of the app, as each role sees it on the demo network: the pages' GET routes and the checks run on each.

:func:`arrange_demo` loads a generated demo network and adds what the pages show beyond it (a programme with an
enrolment pool, two committed sets with their meetings, a join request, a notice) and one user per role.
:func:`page_paths` enumerates the app's GET routes (``app.url_map``), so a page added later is swept without a
change here, and fills each route's path parts with ids the role may see. The checks run in the page:
:data:`OVERFLOW_JS` (does the page scroll sideways), :data:`TARGETS_JS` (tap targets of at least 24 by 24 CSS
pixels, with WCAG 2.2's inline and spacing exceptions) and axe-core (:func:`run_axe`, the npm build in
``tests/web/vendor``, injected by the test: the pages never load it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from api.services import accounts, joins, people
from api.services import meetings as meeting_service
from graph.port import Invalid
from graph.port_sets import NewSet
from network import demo
from network.domain import ActionLearningSet, Programme

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

#: The phone width of the issue (an iPhone 12 to 15 held upright), in CSS pixels.
PHONE = {"width": 390, "height": 844}
#: The smallest tap target WCAG 2.2 (2.5.8, level AA) allows, in CSS pixels.
TARGET = 24

#: Routes that are not pages for people: files, probes, downloads, API (and a reset link, which needs a secret).
NOT_PAGES = ("/static/", "/api/", "/healthz", "/readyz", "/favicon.ico", "/reset/")
NOT_PAGE_SUFFIXES = (".json", ".ics", ".csv")

ROLES = ("assessor", "coordinator", "org_admin", "admin")


@dataclass
class Demo:
    """What :func:`arrange_demo` made: one signed-in e-mail per role and the ids each role's pages are opened with."""

    emails: dict[str, str]
    ids: dict[str, dict[str, str]] = field(default_factory=dict)


def arrange_demo(store: Any, *, assessors: int = 160, organisations: int = 20, seed: int = 18) -> Demo:
    """Load the demo network and one person per role; see the module's docstring."""
    net = demo.generate(assessors=assessors, organisations=organisations, seed=seed)
    people.import_bundle(store, net.bundle, actor_id=None, target_kind="demo", target_id=f"seed-{seed}")
    employer = {e.assessor_id: e.organisation_id for e in net.bundle.employments}
    by_org: dict[str, list[str]] = {}
    for a in net.bundle.assessors:
        if a.active and a.id in employer and a.capacity > 0:
            by_org.setdefault(employer[a.id], []).append(a.id)
    biggest = max(by_org, key=lambda o: len(by_org[o]))
    # A pool with at most a handful of people per organisation, large enough for a long enrolment list.
    pool = [a for org in sorted(by_org) for a in by_org[org][:5]][:60]
    store.create_programme(Programme(id="prog-demo", name="Demo programme 2027", cadence="fortnightly", meetings=6, set_size_min=4))
    for aid in pool:
        store.enrol("prog-demo", aid)
    start = date.today() - timedelta(days=28)
    seen: set[str] = set()
    members: list[list[str]] = [[], []]
    for aid in pool:
        org = employer[aid]
        for group in members:
            if len(group) < 5 and org not in {employer[m] for m in group} and aid not in seen:
                group.append(aid)
                seen.add(aid)
    sets = [
        NewSet(
            ActionLearningSet(
                id=f"set-demo-{k + 1}",
                name=f"Demo programme 2027: set {k + 1}",
                programme_id="prog-demo",
                status="active",
                meeting_slot="tue-pm",
                cadence="fortnightly",
                starts_on=start,
            ),
            tuple(group),
        )
        for k, group in enumerate(members)
    ]
    store.commit_sets("prog-demo", sets, start - timedelta(days=7))
    for s in sets:
        meeting_service.ensure_meetings(store, s.set.id)
    me = members[0][0]
    for asker in (a for a in pool if a not in seen):
        try:
            joins.request_join(store, "set-demo-2", asker, message="I would like to join.", actor_id=None)
            break
        except Invalid:
            continue
    theme = store.list_themes(limit=1).items[0].id
    emails = {role: f"{role.replace('_', '-')}@example.org" for role in ROLES}
    accounts.create_user(store, emails["assessor"], roles=("assessor",), password=PASSWORD, assessor_id=me)
    accounts.create_user(store, emails["coordinator"], roles=("coordinator",), password=PASSWORD, programme_ids=("prog-demo",))
    accounts.create_user(store, emails["org_admin"], roles=("org_admin",), password=PASSWORD, organisation_ids=(biggest,))
    admin = accounts.create_user(store, emails["admin"], roles=("admin",), password=PASSWORD)
    common = {"programme_id": "prog-demo", "set_id": "set-demo-2", "theme_id": theme, "user_id": admin.id, "number": "1"}
    ids = {
        "assessor": {**common, "assessor_id": me, "set_id": "set-demo-1", "organisation_id": employer[me]},
        "coordinator": {**common, "organisation_id": biggest, "assessor_id": pool[1]},
        "org_admin": {**common, "organisation_id": biggest, "assessor_id": by_org[biggest][0]},
        "admin": {**common, "organisation_id": biggest, "assessor_id": by_org[biggest][0]},
    }
    return Demo(emails=emails, ids=ids)


def page_paths(app: Flask, ids: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every GET page of ``app`` with its path parts filled from ``ids``, and the routes left out for want of an id."""
    paths: list[str] = []
    missing: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(NOT_PAGES) or rule.rule.endswith(NOT_PAGE_SUFFIXES):
            continue
        if not set(rule.arguments) <= set(ids):
            missing.append(rule.rule)
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", ids[name]).replace(f"<string:{name}>", ids[name])
        for converter in ("<id:", "<path:", "<int:"):
            for name in rule.arguments:
                path = path.replace(f"{converter}{name}>", ids[name])
        paths.append(path)
    return paths, missing


#: The password of the people :func:`arrange_demo` makes (the browser tests' own).
PASSWORD = "correct horse battery staple"

#: How far the page is wider than the window, and the elements that stick out (outside any scrolling box).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scroll = document.documentElement.scrollWidth;
  const out = [];
  if (scroll > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= width + 1) continue;
      let inside = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { inside = true; break; }
      }
      if (inside) continue;
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      out.push(name + ' right ' + Math.round(r.right));
      if (out.length >= 6) break;
    }
  }
  return {width, scroll, out};
}"""

#: Visible targets smaller than 24 by 24 CSS pixels that neither sit in a line of text (WCAG 2.2's inline exception)
#: nor have room around them (its spacing exception: a 24 px circle on the target's centre meets no other target).
TARGETS_JS = """(size) => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], [role=tab], [tabindex]:not([tabindex="-1"])';
  const all = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('[hidden], [inert]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.classList.contains('skip') && r.bottom <= 0) continue;
    if (el.tagName === 'INPUT' && el.labels && el.labels.length) {
      // A control with a visible label: the label is part of its target (clicking it works the control).
      let box = r;
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        if (l.width && l.height && label.contains(el)) box = l;
      }
      all.push({el, r: box});
      continue;
    }
    all.push({el, r});
  }
  function block(el) {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const d = getComputedStyle(p).display;
      if (d !== 'inline' && d !== 'contents') return p;
    }
    return document.body;
  }
  function inline(el) {
    if (el.tagName !== 'A') return false;
    if (getComputedStyle(el).display !== 'inline') return false;
    const own = (el.textContent || '').replace(/\\s+/g, ' ').trim();
    const around = (block(el).textContent || '').replace(/\\s+/g, ' ').trim();
    return around.length > own.length + 2;
  }
  function distance(cx, cy, r) {
    const dx = Math.max(r.left - cx, 0, cx - r.right);
    const dy = Math.max(r.top - cy, 0, cy - r.bottom);
    return Math.hypot(dx, dy);
  }
  const small = all.filter((t) => (t.r.width < size - 0.5 || t.r.height < size - 0.5) && !inline(t.el));
  const out = [];
  for (const t of small) {
    const cx = t.r.left + t.r.width / 2, cy = t.r.top + t.r.height / 2;
    let crowded = false;
    for (const o of all) {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) continue;
      const oSmall = small.includes(o);
      if (oSmall) {
        const ox = o.r.left + o.r.width / 2, oy = o.r.top + o.r.height / 2;
        if (Math.hypot(ox - cx, oy - cy) < size) { crowded = true; break; }
      } else if (distance(cx, cy, o.r) < size / 2) { crowded = true; break; }
    }
    if (!crowded) continue;
    const text = (t.el.getAttribute('aria-label') || t.el.textContent || t.el.value || t.el.name || '').replace(/\\s+/g, ' ').trim().slice(0, 30);
    out.push(t.el.tagName.toLowerCase() + (t.el.type ? '[' + t.el.type + ']' : '') + ' "' + text + '" ' + Math.round(t.r.width) + 'x' + Math.round(t.r.height));
  }
  return out;
}"""

#: axe-core's options: its rules on by default (WCAG 2.0 to 2.2 A and AA, and best practices) and the two the issue
#: names that axe leaves off by default (the label in the name of a control, and target size).
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}, "target-size": {"enabled": True}}, "resultTypes": ["violations"]}


def run_axe(page: Any) -> list[str]:
    """axe-core's violations on the page as readable lines (rule, impact, count, first targets); empty when none."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async (options) => await window.axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['help']}; "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]
