/* Bridgework: the network map of an organisation, drawn with Cytoscape.js from GET /api/v1/organisations/<id>/map.
 *
 * Two views of the same data (issue 18):
 * - Organisations (the default): each organisation is one box sized by its people on the map, with how many of
 *   them are isolated; a line between two organisations is their ties, thicker for more (the number is on it).
 *   This organisation is at the centre, its partners (organisations tied to it directly) on the ring around it,
 *   organisations two steps away outside that (the library's concentric layout).
 * - People of one organisation (choose an organisation): its people and everyone they are tied to, grouped in a
 *   box per organisation (compound nodes, each group laid out by the library's grid layout; the chosen
 *   organisation in the middle, the others around it, most ties first). Names show on hover, on selection, when
 *   zoomed in, or for everyone with "Show every name".
 * People are coloured by their organisation; isolated assessors are diamonds with a thick dashed outline (so the
 * key does not rely on colour). The lists under the map (organisations, and everyone by organisation) carry the
 * same content for phones and screen readers; a search finds a person by name.
 * All text goes into the page as text (bw.el) or onto the canvas (Cytoscape labels): never as HTML.
 */
"use strict";
(function () {
  const app = document.getElementById("reach-map-app");
  if (!app || typeof window.cytoscape !== "function") return;

  // Colour-blind-safe colours first (Okabe and Ito), then more; the organisation mapped always gets the first.
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#3F88C5", "#7B3294", "#4D7C0F",
    "#A0522D", "#2F4F4F", "#C71585", "#5A5A9F"];
  const LOOSE = "#6B6B6B";
  const NONE = "none";
  const HOPS = ["In this organisation", "Tied directly to someone in this organisation", "Two steps away: tied to someone who is"];
  const regions = JSON.parse(app.dataset.regions || "{}");
  const kinds = JSON.parse(app.dataset.kinds || "{}");
  const summary = document.getElementById("map-summary");
  const viewTitle = document.getElementById("map-view-title");
  const back = document.getElementById("map-back");
  const details = document.getElementById("details-body");
  const detailsEmpty = document.getElementById("details-empty");
  const legend = document.getElementById("map-legend");
  const list = document.getElementById("map-list");
  const orgList = document.getElementById("map-organisations");
  const canvas = document.getElementById("reach-map");
  const buttons = new Map();
  let cy = null;
  let model = null;

  function orgKey(id) { return "org:" + (id || NONE); }
  function words(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function day(iso) {
    return new Date(iso + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  /** Everything both views and the lists need, worked out once from the API's answer. */
  function build(data) {
    const colours = new Map(data.organisations.map((o, k) => [o.id, PALETTE[k % PALETTE.length]]));
    const names = new Map(data.organisations.map((o) => [o.id, o.name]));
    const people = new Map(data.nodes.map((n) => [n.id, n]));
    const stats = new Map(data.organisations.map((o) => [o.id, { people: 0, isolated: 0 }]));
    stats.set(NONE, { people: 0, isolated: 0 });
    for (const n of data.nodes) {
      const s = stats.get(n.organisation_id || NONE);
      s.people += 1;
      if (n.isolated) s.isolated += 1;
    }
    const ties = new Map(); // "a|b" (organisation ids in order) -> number of ties between their people
    const neighbours = new Map(data.nodes.map((n) => [n.id, []]));
    for (const e of data.edges) {
      neighbours.get(e.source).push(e.target);
      neighbours.get(e.target).push(e.source);
      const a = people.get(e.source).organisation_id || NONE;
      const b = people.get(e.target).organisation_id || NONE;
      if (a === b) continue;
      const key = a < b ? a + "|" + b : b + "|" + a;
      ties.set(key, (ties.get(key) || 0) + 1);
    }
    const own = data.organisation.id;
    const tiesWith = (x, y) => ties.get(x < y ? x + "|" + y : y + "|" + x) || 0;
    return { data, colours, names, people, stats, ties, neighbours, own, tiesWith };
  }

  function colourOf(orgId) { return orgId && orgId !== NONE ? model.colours.get(orgId) : LOOSE; }
  function nameOf(orgId) { return orgId && orgId !== NONE ? model.names.get(orgId) : "No organisation"; }

  // -- the organisations view --------------------------------------------------------------------------------

  function organisationElements() {
    const out = [];
    const orgs = model.data.organisations.map((o) => o.id).filter((id) => model.stats.get(id).people || id === model.own);
    if (model.stats.get(NONE).people) orgs.push(NONE);
    for (const id of orgs) {
      const s = model.stats.get(id);
      const partner = id !== model.own && model.tiesWith(id, model.own) > 0;
      const label = nameOf(id) + "\n" + words(s.people, "person", "people") + (s.isolated ? " · " + s.isolated + " isolated" : "");
      out.push({ group: "nodes", classes: "org-node" + (id === model.own ? " own" : "") + (partner ? " partner" : "") + (s.isolated ? " has-isolated" : ""),
        data: { id: orgKey(id), org: id, label, colour: colourOf(id), size: Math.round(28 + 14 * Math.sqrt(s.people)),
          ring: id === model.own ? 3 : (partner ? 2 : 1) } });
    }
    for (const [key, count] of model.ties) {
      const [a, b] = key.split("|");
      out.push({ group: "edges", classes: "org-tie", data: { id: "t:" + key, source: orgKey(a), target: orgKey(b), count,
        width: Math.min(14, 1.5 + 2 * Math.log2(1 + count)), label: String(count) } });
    }
    return out;
  }

  function organisationLayout() {
    return { name: "concentric", concentric: (n) => n.data("ring"), levelWidth: () => 1, minNodeSpacing: 40,
      avoidOverlap: true, animate: false, padding: 30, startAngle: Math.PI / 2 };
  }

  // -- the people of one organisation ---------------------------------------------------------------------------

  function personElements(orgId) {
    const chosen = model.data.nodes.filter((n) => (n.organisation_id || NONE) === orgId);
    const ids = new Set(chosen.map((n) => n.id));
    for (const n of chosen) for (const m of model.neighbours.get(n.id)) ids.add(m);
    const groups = new Map();
    for (const id of ids) {
      const n = model.people.get(id);
      const g = n.organisation_id || NONE;
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(n);
    }
    const out = [];
    for (const [g, members] of groups) {
      out.push({ group: "nodes", classes: "group" + (g === orgId ? " chosen" : ""),
        data: { id: orgKey(g), org: g, label: nameOf(g) + (g === orgId ? "" : " · " + words(members.length, "person", "people")),
          colour: colourOf(g) } });
      for (const n of members) {
        const classes = ["person", n.hops === 0 ? "own" : "other"];
        if (n.isolated) classes.push("isolated");
        out.push({ group: "nodes", classes: classes.join(" "),
          data: { id: n.id, parent: orgKey(g), kind: "person", label: n.label, colour: colourOf(g), node: n } });
      }
    }
    let k = 0;
    for (const e of model.data.edges) {
      if (ids.has(e.source) && ids.has(e.target)) out.push({ group: "edges", classes: "tie", data: { id: "e" + (k++), source: e.source, target: e.target } });
    }
    return { out, groups };
  }

  /** Each organisation's people in a grid (the library's grid layout, inside a box per group); the chosen group in the
   * middle and the others on a ring around it, most ties to the chosen organisation first. */
  function clusterLayout(orgId, groups) {
    // Wide enough for a short name under each person, so labels do not collide when zoomed in.
    const STEP_X = 76, STEP_Y = 44;
    const boxes = new Map();
    for (const [g, members] of groups) {
      const cols = Math.max(1, Math.ceil(Math.sqrt(members.length)));
      const rows = Math.ceil(members.length / cols);
      boxes.set(g, { w: cols * STEP_X, h: rows * STEP_Y, cols, rows });
    }
    const others = [...groups.keys()].filter((g) => g !== orgId)
      .sort((a, b) => model.tiesWith(b, orgId) - model.tiesWith(a, orgId) || nameOf(a).localeCompare(nameOf(b)));
    const centre = boxes.get(orgId) || { w: 0, h: 0 };
    const perimeter = others.reduce((sum, g) => sum + Math.max(boxes.get(g).w, boxes.get(g).h) + 90, 0);
    const radius = Math.max(Math.hypot(centre.w, centre.h) / 2 + 160, perimeter / (2 * Math.PI));
    const spots = new Map([[orgId, { x: 0, y: 0 }]]);
    let angle = -Math.PI / 2;
    for (const g of others) {
      const b = boxes.get(g);
      const share = ((Math.max(b.w, b.h) + 90) / Math.max(perimeter, 1)) * 2 * Math.PI;
      angle += share / 2;
      const r = radius + Math.hypot(b.w, b.h) / 2;
      spots.set(g, { x: r * Math.cos(angle), y: r * Math.sin(angle) });
      angle += share / 2;
    }
    for (const [g, spot] of spots) {
      const b = boxes.get(g);
      const children = cy.getElementById(orgKey(g)).children();
      children.layout({ name: "grid", fit: false, animate: false, avoidOverlap: false, condense: false, cols: b.cols, rows: b.rows,
        sort: (x, y) => (y.hasClass("isolated") - x.hasClass("isolated")) || x.data("label").localeCompare(y.data("label")),
        boundingBox: { x1: spot.x - b.w / 2, y1: spot.y - b.h / 2, w: b.w, h: b.h } }).run();
    }
  }

  const STYLE = [
    { selector: "node.org-node", style: { shape: "round-rectangle", width: "data(size)", height: "data(size)", "background-color": "#ffffff",
      "border-width": 3, "border-color": "data(colour)", label: "data(label)", "text-wrap": "wrap", "text-max-width": 150,
      "text-valign": "bottom", "text-margin-y": 4, "font-size": 12, color: "#1b1b1f",
      "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 2 } },
    { selector: "node.org-node.own", style: { "border-width": 6, "font-size": 14, "font-weight": "bold", "background-color": "#eef6fb" } },
    { selector: "node.org-node.has-isolated", style: { "border-style": "dashed" } },
    { selector: "edge.org-tie", style: { width: "data(width)", "line-color": "#5f6670", opacity: 0.75, "curve-style": "straight",
      label: "data(label)", "font-size": 11, color: "#1b1b1f", "text-background-color": "#ffffff", "text-background-opacity": 1,
      "text-background-padding": 2, "min-zoomed-font-size": 8 } },
    { selector: "node.group", style: { shape: "round-rectangle", "background-color": "#ffffff", "background-opacity": 0.6,
      "border-width": 2, "border-color": "data(colour)", label: "data(label)", "text-valign": "top", "text-halign": "center",
      "text-wrap": "wrap", "text-max-width": 220, "font-size": 13, "font-weight": "bold", color: "#1b1b1f", padding: 14,
      "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 2 } },
    { selector: "node.group.chosen", style: { "border-width": 5, "font-size": 15 } },
    { selector: "node.person", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 10, color: "#1b1b1f",
      "text-valign": "bottom", "text-margin-y": 3, width: 16, height: 16, "border-width": 1, "border-color": "#ffffff",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
      "text-wrap": "ellipsis", "text-max-width": 70, "min-zoomed-font-size": 12 } },
    { selector: "node.person.own", style: { width: 20, height: 20 } },
    { selector: "node.person.isolated", style: { shape: "diamond", width: 26, height: 26, "border-width": 4, "border-style": "dashed",
      "border-color": "#b00020" } },
    { selector: "node.person.named, node.person.hover, node.person:selected, node.person.near", style: { "min-zoomed-font-size": 0, "z-index": 10 } },
    { selector: "edge.tie", style: { width: 1.2, "line-color": "#5f6670", "curve-style": "haystack", opacity: 0.55 } },
    { selector: "node:selected", style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.45, "overlay-padding": 6 } },
    { selector: "edge.near", style: { width: 3, "line-color": "#1b1b1f", opacity: 1 } },
  ];

  // -- details ----------------------------------------------------------------------------------------------------

  function render(title, rows, action) {
    detailsEmpty.hidden = true;
    details.replaceChildren(
      bw.el("h3", { text: title }),
      bw.el("dl", { class: "pairs" }, rows.map(([k, v]) => bw.el("div", {}, bw.el("dt", { text: k }), bw.el("dd", { text: v })))),
      ...(action ? [action] : []));
  }

  function showPerson(n) {
    const rows = [["Organisation", nameOf(n.organisation_id)], ["Where on the map", HOPS[n.hops] || ""], ["Ties on this map", String(n.ties)]];
    if (n.isolated !== null && n.isolated !== undefined) {
      rows.push(["Isolated", n.isolated ? "Yes: no tie to anyone in another organisation" : "No"]);
      if (n.isolated && n.isolated_since) rows.push(["Isolated since", day(n.isolated_since)]);
      if (n.sole_in_organisation) rows.push(["Note", "The only assessor in the organisation"]);
    }
    if (!n.name) rows.push(["Name", "Not shown: this person works for another organisation"]);
    render(n.label, rows);
  }

  function showOrganisation(orgId) {
    const o = model.data.organisations.find((x) => x.id === orgId);
    const s = model.stats.get(orgId || NONE);
    const rows = [];
    if (o) rows.push(["Kind", kinds[o.kind] || o.kind], ["Region", regions[o.region] || o.region]);
    rows.push(["People on the map", String(s.people)], ["Isolated", String(s.isolated)]);
    if (orgId !== model.own) rows.push(["Ties with " + nameOf(model.own), String(model.tiesWith(orgId || NONE, model.own))]);
    if (o) rows.push(["Names", o.named ? "Shown to you" : "Not shown to you"]);
    const open = bw.el("button", { type: "button", class: "secondary", onclick: () => showPeople(orgId || NONE) }, "Show its people");
    render(nameOf(orgId), rows, s.people ? bw.el("p", {}, open) : null);
  }

  function clear() {
    details.replaceChildren();
    detailsEmpty.hidden = false;
    for (const b of buttons.values()) b.setAttribute("aria-pressed", "false");
  }

  // -- views ------------------------------------------------------------------------------------------------------

  function draw(elements, layout, after) {
    const started = performance.now();
    app.dataset.state = "loading";
    if (cy) cy.destroy();
    cy = window.cytoscape({ container: canvas, elements, style: STYLE, layout: { name: "preset" }, minZoom: 0.05, maxZoom: 4,
      selectionType: "single", boxSelectionEnabled: false, autoungrabify: true });
    // One batch: the library lays out and styles everything, then draws once.
    cy.startBatch();
    if (typeof layout === "function") layout();
    else cy.layout(layout).run();
    cy.endBatch();
    cy.fit(undefined, 30);
    cy.on("select", "node", (e) => onSelect(e.target));
    cy.on("unselect", "node", () => { if (cy.elements(":selected").empty()) { clear(); cy.elements().removeClass("near"); } });
    cy.on("mouseover", "node.person", (e) => e.target.addClass("hover"));
    cy.on("mouseout", "node.person", (e) => e.target.removeClass("hover"));
    cy.on("dbltap", "node.org-node", (e) => showPeople(e.target.data("org")));
    if (after) after();
    window.bwReachMap.cy = cy;
    // Ready once the library has drawn a frame of the laid-out map.
    cy.one("render", () => {
      app.dataset.settleMs = String(Math.round(performance.now() - started));
      app.dataset.state = "ready";
    });
    cy.forceRender();
  }

  function showOrganisations() {
    model.view = null;
    viewTitle.textContent = "Organisations: " + nameOf(model.own) + " in the middle, its partners around it";
    back.hidden = true;
    app.dataset.view = "organisations";
    draw(organisationElements(), organisationLayout());
    clear();
    markOrganisation(null);
  }

  function showPeople(orgId) {
    model.view = orgId;
    const { out, groups } = personElements(orgId);
    viewTitle.textContent = "People of " + nameOf(orgId) + " and everyone they are tied to, grouped by organisation";
    back.hidden = false;
    app.dataset.view = "people";
    draw(out, () => clusterLayout(orgId, groups));
    clear();
    markOrganisation(orgId);
  }

  function markOrganisation(orgId) {
    for (const b of orgList.querySelectorAll("button[data-org]")) b.setAttribute("aria-pressed", b.dataset.org === orgId ? "true" : "false");
  }

  function onSelect(node) {
    for (const [id, b] of buttons) b.setAttribute("aria-pressed", id === node.id() ? "true" : "false");
    cy.elements().removeClass("near");
    if (node.hasClass("person")) {
      node.connectedEdges(".tie").addClass("near");
      node.neighborhood("node.person").addClass("near");
      showPerson(node.data("node"));
    } else {
      showOrganisation(node.data("org") === NONE ? null : node.data("org"));
    }
  }

  /** Select a person (or an organisation, "org:<id>") from the lists or the search: the view follows. */
  function select(id, from) {
    if (!id.startsWith("org:")) {
      const n = model.people.get(id);
      if (!n) return;
      const orgId = n.organisation_id || NONE;
      if (model.view !== orgId && (model.view === null || cy.getElementById(id).empty())) showPeople(orgId);
    } else if (model.view !== null && cy.getElementById(id).empty()) {
      showOrganisations();
    }
    const node = cy.getElementById(id);
    if (node.empty()) return;
    cy.elements(":selected").unselect();
    node.select();
    if (from === "list") {
      const around = node.closedNeighborhood().nodes();
      cy.fit(around, 60);
      if (cy.zoom() > 1.5) cy.zoom({ level: 1.5, position: node.position() });
    }
  }

  // -- the lists, the key and the search ----------------------------------------------------------------------

  function buildKey() {
    const data = model.data;
    legend.replaceChildren(...data.organisations.map((o) => bw.el("li", {},
      bw.el("span", { class: "swatch swatch-" + (data.organisations.indexOf(o) % PALETTE.length), "aria-hidden": "true" }),
      bw.el("span", {}, o.name + (o.own ? " (this organisation)" : ""), bw.el("span", { class: "muted", text: " · " + words(o.shown, "person", "people") })))));
    if (data.nodes.some((n) => !n.organisation_id)) {
      legend.append(bw.el("li", {}, bw.el("span", { class: "swatch swatch-none", "aria-hidden": "true" }), bw.el("span", { text: "No organisation" })));
    }
  }

  function swatch(orgId) {
    const k = model.data.organisations.findIndex((o) => o.id === orgId);
    return bw.el("span", { class: "swatch " + (k < 0 ? "swatch-none" : "swatch-" + (k % PALETTE.length)), "aria-hidden": "true" });
  }

  function buildOrganisations() {
    const rows = model.data.organisations.filter((o) => model.stats.get(o.id).people || o.id === model.own)
      .map((o) => o.id)
      .sort((a, b) => (b === model.own) - (a === model.own) || model.tiesWith(b, model.own) - model.tiesWith(a, model.own) || nameOf(a).localeCompare(nameOf(b)));
    if (model.stats.get(NONE).people) rows.push(NONE);
    orgList.replaceChildren(...rows.map((id) => {
      const s = model.stats.get(id);
      const facts = [words(s.people, "person", "people"), s.isolated + " isolated"];
      if (id !== model.own) facts.push(words(model.tiesWith(id, model.own), "tie", "ties") + " with " + nameOf(model.own));
      else facts.push("this organisation");
      return bw.el("li", {}, swatch(id), bw.el("span", { class: "org-name", text: nameOf(id) }), bw.el("span", { class: "muted", text: " · " + facts.join(" · ") + " " }),
        bw.el("button", { type: "button", class: "link", "data-org": id, "aria-pressed": "false", onclick: () => showPeople(id) },
          "Show its people", bw.el("span", { class: "visually-hidden", text: ": " + nameOf(id) })));
    }));
  }

  function buildList() {
    const data = model.data;
    const groups = new Map(data.organisations.map((o) => [o.id, []]));
    groups.set(null, []);
    for (const n of data.nodes) groups.get(n.organisation_id || null).push(n);
    const parts = [];
    for (const [orgId, people] of groups) {
      if (!people.length && orgId !== data.organisation.id) continue;
      const title = nameOf(orgId);
      const headingId = "list-" + orgKey(orgId).replace(/[^A-Za-z0-9_-]/g, "_");
      const orgButton = orgId ? bw.el("button", { type: "button", class: "link", "aria-pressed": "false",
        onclick: () => { if (model.view !== null) showOrganisations(); select(orgKey(orgId), "list"); } }, "About this organisation",
        bw.el("span", { class: "visually-hidden", text: ": " + title })) : null;
      if (orgButton) buttons.set(orgKey(orgId), orgButton);
      const items = people.map((n) => {
        const b = bw.el("button", { type: "button", class: "person-button" + (n.isolated ? " isolated" : ""), "aria-pressed": "false",
          onclick: () => select(n.id, "list") }, n.label, n.isolated ? bw.el("span", { class: "tag", text: "isolated" }) : null);
        buttons.set(n.id, b);
        return bw.el("li", {}, b);
      });
      parts.push(bw.el("section", { class: "list-group", "aria-labelledby": headingId },
        bw.el("h3", { id: headingId }, swatch(orgId), title + " (" + words(people.length, "person", "people") + ")"),
        orgButton,
        people.length ? bw.el("ul", { class: "people" }, items) : bw.el("p", { class: "muted", text: "No active assessors yet." })));
    }
    list.replaceChildren(...parts);
  }

  const searchForm = document.getElementById("map-search-form");
  const searchInput = document.getElementById("map-search");
  const searchResult = document.getElementById("map-search-result");
  const searchMatches = document.getElementById("map-search-matches");
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!model) return;
    const query = searchInput.value.trim().toLocaleLowerCase("en-GB");
    searchMatches.replaceChildren();
    if (!query) { searchResult.textContent = "Type part of a name first."; return; }
    const found = model.data.nodes.filter((n) => n.name && n.label.toLocaleLowerCase("en-GB").includes(query));
    if (!found.length) {
      searchResult.textContent = "Nobody on the map has a name with “" + searchInput.value.trim() + "” in it. Only people you may see by name can be found.";
      return;
    }
    select(found[0].id, "list");
    searchResult.textContent = (found.length === 1 ? "Found " : words(found.length, "person matches", "people match") + "; showing ") + found[0].label +
      " (" + nameOf(found[0].organisation_id) + ").";
    if (found.length > 1) {
      searchMatches.replaceChildren(...found.slice(0, 10).map((n) => bw.el("li", {},
        bw.el("button", { type: "button", class: "link", onclick: () => select(n.id, "list") }, n.label, bw.el("span", { class: "muted", text: " · " + nameOf(n.organisation_id) })))));
    }
  });

  const namesChoice = document.getElementById("map-names");
  namesChoice.addEventListener("change", () => {
    if (!cy) return;
    if (namesChoice.checked) cy.nodes(".person").addClass("named");
    else cy.nodes(".person").removeClass("named");
  });

  // Map or list: on a narrow screen the list comes first and the map is one tap away.
  const asMap = document.getElementById("show-map");
  const asList = document.getElementById("show-list");
  function mode(showMap) {
    app.dataset.mode = showMap ? "map" : "list";
    asMap.setAttribute("aria-pressed", String(showMap));
    asList.setAttribute("aria-pressed", String(!showMap));
    if (showMap && cy) { cy.resize(); cy.fit(undefined, 30); }
  }
  asMap.addEventListener("click", () => mode(true));
  asList.addEventListener("click", () => { mode(false); document.getElementById("map-organisations-heading").focus(); });
  mode(!window.matchMedia("(max-width: 40rem)").matches);
  back.addEventListener("click", () => showOrganisations());

  async function start(limit) {
    app.dataset.state = "loading";
    buttons.clear();
    const result = await bw.api("GET", app.dataset.url + "?limit=" + encodeURIComponent(limit));
    if (!result.ok) {
      summary.textContent = "The map could not be loaded. " + bw.problem(result);
      app.dataset.state = "error";
      return;
    }
    model = build(result.body);
    const data = model.data;
    summary.textContent = data.summary + (data.isolated ? " " + words(data.isolated, "isolated assessor is", "isolated assessors are") +
      " shown as diamonds with a dashed outline." : "");
    window.bwReachMap = { cy: null, data, select, showPeople, showOrganisations, model };
    buildKey();
    buildOrganisations();
    buildList();
    showOrganisations();
  }

  for (const b of app.querySelectorAll("[data-zoom]")) {
    b.addEventListener("click", () => {
      if (!cy) return;
      const centre = { x: cy.width() / 2, y: cy.height() / 2 };
      if (b.dataset.zoom === "fit") cy.fit(undefined, 30);
      else cy.zoom({ level: cy.zoom() * (b.dataset.zoom === "in" ? 1.3 : 1 / 1.3), renderedPosition: centre });
    });
  }
  const limitChoice = document.getElementById("map-limit");
  limitChoice.addEventListener("change", () => start(limitChoice.value));
  start(limitChoice.value);
})();
