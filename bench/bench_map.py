"""How long the network map takes to settle in Chromium (issue 18): the organisations view and the person view.

The map page is served by the real app and drawn by the real ``web/static/reach.js``; its data request is answered
with a generated map of N people (``--people``, default 200 and 2,000) in 40 organisations, every one of them tied
to someone in the mapped organisation, so the person view of that organisation holds all N. The page records
``data-settle-ms`` (from the data to the first frame drawn of the laid-out map). The baseline, measured in the same
page on the same people, is the map before issue 18: one force-directed ``cose`` layout of every person (the
parameters the old map used; not run above 500 people, where it takes minutes), and the floor: the person view's
elements drawn where they stand, with no layout. Prints milliseconds (median of ``--runs``), the ratio to the baseline and the load
average. ``--quick``: 200 people, one run.

    .venv/bin/python bench/bench_map.py [--quick] [--people 200 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from api.services import accounts  # noqa: E402
from bridgework import create_app  # noqa: E402
from graph.embedded.store import EmbeddedStore  # noqa: E402
from network.domain import Organisation  # noqa: E402

CHROMIUM = os.environ.get("BRIDGEWORK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "bench map password 18"
ORGS = 40


def generated_map(people: int, seed: int = 18) -> dict[str, Any]:
    """A map answer of ``people`` people: a tenth in organisation o-0, the rest each tied to one of them, plus extra ties."""
    rng = random.Random(seed)
    organisations = [
        {"id": f"o-{k}", "name": f"Organisation {k}", "kind": "local_authority", "region": "london", "own": k == 0, "named": k == 0, "shown": 0}
        for k in range(ORGS)
    ]
    own = max(1, people // 10)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for i in range(people):
        org = 0 if i < own else 1 + rng.randrange(ORGS - 1)
        organisations[org]["shown"] += 1
        nodes.append({"id": f"n{i}", "label": f"Person {i}" if org == 0 else f"Assessor {i} at Organisation {org}",
                      "name": f"Person {i}" if org == 0 else None, "organisation_id": f"o-{org}", "hops": 0 if org == 0 else 1,
                      "isolated": (i % 9 == 0) if org == 0 else None, "isolated_since": None, "sole_in_organisation": False, "ties": 0})
        if org != 0:
            edges.append({"source": f"n{rng.randrange(own)}", "target": f"n{i}"})
    for _ in range(people // 2):
        a, b = rng.randrange(own, people), rng.randrange(own, people)
        if a != b:
            edges.append({"source": f"n{a}", "target": f"n{b}"})
    return {"organisation": organisations[0], "organisations": organisations, "nodes": nodes, "edges": edges,
            "summary": f"Showing all {people} people.", "isolated": sum(1 for n in nodes if n["isolated"]), "shown": people}


#: The floor: the same person view's elements drawn where they stand (no layout at all), in the same page.
FLOOR_JS = """async () => {
  const cy0 = window.bwReachMap.cy;
  const els = cy0.elements().jsons();
  const box = document.createElement('div');
  box.style.width = '800px'; box.style.height = '600px';
  document.body.append(box);
  const started = performance.now();
  const cy = window.cytoscape({ container: box, elements: els, style: cy0.style().json(), layout: { name: 'preset' } });
  cy.fit(undefined, 30);
  await new Promise((done) => { cy.one('render', done); cy.forceRender(); });
  const ms = performance.now() - started;
  cy.destroy(); box.remove();
  return ms;
}"""

#: Above this many people the old layout is not run (it grows with the square of the people: minutes at 2,000).
BASELINE_MAX = 500

#: The map before issue 18: every person and organisation in one force-directed layout, as reach.js did then.
BASELINE_JS = """async () => {
  const m = window.bwReachMap.model, data = m.data;
  const els = [];
  for (const o of data.organisations) els.push({ group: 'nodes', data: { id: 'org:' + o.id } });
  for (const n of data.nodes) {
    els.push({ group: 'nodes', data: { id: n.id } });
    els.push({ group: 'edges', data: { id: 'w' + n.id, source: n.id, target: 'org:' + n.organisation_id }, classes: 'works-for' });
  }
  data.edges.forEach((e, k) => els.push({ group: 'edges', data: { id: 'e' + k, source: e.source, target: e.target } }));
  const box = document.createElement('div');
  box.style.width = '800px'; box.style.height = '600px';
  document.body.append(box);
  const started = performance.now();
  const cy = window.cytoscape({ container: box, elements: els, layout: { name: 'preset' } });
  await new Promise((done) => {
    const layout = cy.layout({ name: 'cose', animate: false, randomize: true, padding: 30, componentSpacing: 60,
      idealEdgeLength: (e) => (e.hasClass('works-for') ? 40 : 90), edgeElasticity: (e) => (e.hasClass('works-for') ? 200 : 60),
      nodeRepulsion: () => 6000, gravity: 0.5, numIter: 1500 });
    layout.one('layoutstop', () => { cy.fit(undefined, 30); cy.one('render', done); cy.forceRender(); });
    layout.run();
  });
  const ms = performance.now() - started;
  cy.destroy(); box.remove();
  return ms;
}"""


def answer_with(body: str) -> Any:
    """A route handler answering the map request with ``body``."""

    def answer(route: Any, _request: Any = None) -> None:
        route.fulfill(status=200, content_type="application/json", body=body)

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.people, args.runs = [200], 1
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench-map-"))
    store = EmbeddedStore(folder / "bridgework.sqlite3")
    store.ensure_schema()
    store.create_organisation(Organisation(id="o-0", name="Organisation 0", kind="local_authority", region="london"))
    accounts.create_user(store, "admin@example.org", roles=("org_admin",), password=PASSWORD, organisation_ids=("o-0",))
    app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "bench-map-" + folder.name})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    print(f"network map settle time in Chromium ({CHROMIUM}); load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'people':>7} {'organisations view':>19} {'person view':>12} {'no-layout floor':>16} {'ratio':>6} {'old cose map':>13} {'ratio':>6}  load")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(url + "/login?next=/")
        page.get_by_label("Email").fill("admin@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        for people in args.people:
            body = json.dumps(generated_map(people))
            page.unroute("**/api/v1/organisations/o-0/map*")
            page.route("**/api/v1/organisations/o-0/map*", answer_with(body))
            orgs, persons, floor, base = [], [], [], []
            for _ in range(args.runs):
                page.goto(url + "/organisations/o-0/map")
                page.wait_for_selector("#reach-map-app[data-state=ready]")
                orgs.append(float(page.get_attribute("#reach-map-app", "data-settle-ms") or "nan"))
                page.evaluate("window.bwReachMap.showPeople('o-0')")
                page.wait_for_selector("#reach-map-app[data-state=ready][data-view=people]")
                persons.append(float(page.get_attribute("#reach-map-app", "data-settle-ms") or "nan"))
                assert page.evaluate("window.bwReachMap.cy.nodes('.person').length") == people
                floor.append(page.evaluate(FLOOR_JS))
                if people <= BASELINE_MAX:
                    base.append(page.evaluate(BASELINE_JS))
            o, p, f = statistics.median(orgs), statistics.median(persons), statistics.median(floor)
            old = f"{statistics.median(base):>10.0f} ms {p / statistics.median(base):>6.2f}" if base else f"{'not run':>13} {'':>6}"
            print(f"{people:>7} {o:>16.0f} ms {p:>9.0f} ms {f:>13.0f} ms {p / f:>6.2f} {old}  {os.getloadavg()[0]:.2f}", flush=True)
        browser.close()
    server.shutdown()
    store.close()


if __name__ == "__main__":
    main()
