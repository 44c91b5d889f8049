/* Bridgework: the network map of an organisation, drawn with Cytoscape.js from GET /api/v1/organisations/<id>/map.
 *
 * Each organisation is a box joined to its people by thin lines in its colour; people are coloured by their
 * organisation, ties are grey lines, and isolated assessors are diamonds with a
 * thick dashed outline (so the key does not rely on colour). Selecting a person or an organisation, on the
 * map or in the list under it (the keyboard and screen-reader alternative), shows their details.
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
  const HOPS = ["In this organisation", "Tied directly to someone in this organisation", "Two steps away: tied to someone who is"];
  const regions = JSON.parse(app.dataset.regions || "{}");
  const kinds = JSON.parse(app.dataset.kinds || "{}");
  const summary = document.getElementById("map-summary");
  const details = document.getElementById("details-body");
  const detailsEmpty = document.getElementById("details-empty");
  const legend = document.getElementById("map-legend");
  const list = document.getElementById("map-list");
  const buttons = new Map();
  let cy = null;

  function orgKey(id) { return "org:" + id; }

  function elements(data, colours) {
    const out = [];
    for (const o of data.organisations) {
      out.push({ group: "nodes", classes: "organisation" + (o.own ? " own" : ""),
        data: { id: orgKey(o.id), kind: "organisation", label: o.name, colour: colours.get(o.id), organisation: o } });
    }
    for (const n of data.nodes) {
      const classes = ["person", n.hops === 0 ? "own" : "other"];
      if (n.isolated) classes.push("isolated");
      out.push({ group: "nodes", classes: classes.join(" "),
        data: { id: n.id, kind: "person", label: n.label, short: n.name || "", colour: n.organisation_id ? colours.get(n.organisation_id) : LOOSE,
          node: n } });
      if (n.organisation_id) {
        out.push({ group: "edges", classes: "works-for", data: { id: "w" + n.id, source: n.id, target: orgKey(n.organisation_id),
          colour: colours.get(n.organisation_id) } });
      }
    }
    data.edges.forEach((e, k) => out.push({ group: "edges", classes: "tie", data: { id: "e" + k, source: e.source, target: e.target } }));
    return out;
  }

  const STYLE = [
    { selector: "node.person", style: { "background-color": "data(colour)", label: "data(short)", "font-size": 10, color: "#1b1b1f",
      "text-valign": "bottom", "text-margin-y": 3, width: 16, height: 16, "border-width": 1, "border-color": "#ffffff",
      "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 1 } },
    { selector: "node.person.own", style: { width: 22, height: 22 } },
    { selector: "node.person.isolated", style: { shape: "diamond", width: 30, height: 30, "border-width": 4, "border-style": "dashed",
      "border-color": "#b00020" } },
    { selector: "node.organisation", style: { shape: "round-rectangle", "background-color": "#ffffff", width: 26, height: 18,
      "border-width": 3, "border-color": "data(colour)", label: "data(label)", "text-valign": "top", "text-halign": "center",
      "text-margin-y": -3, "font-size": 11, "font-weight": "bold", color: "#1b1b1f",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2 } },
    { selector: "node.organisation.own", style: { "border-width": 5, width: 40, height: 26, "font-size": 14 } },
    { selector: "edge.works-for", style: { width: 1, "line-color": "data(colour)", "curve-style": "haystack", opacity: 0.45 } },
    { selector: "edge.tie", style: { width: 1.5, "line-color": "#5f6670", "curve-style": "haystack", opacity: 0.8 } },
    { selector: "node:selected", style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.45, "overlay-padding": 6 } },
    { selector: "edge.near", style: { width: 3, "line-color": "#1b1b1f", opacity: 1 } },
  ];

  function day(iso) {
    return new Date(iso + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  /** A small seeded random number generator (mulberry32). */
  function seeded(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function words(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function showPerson(node, data, names) {
    const n = node.data("node");
    const where = n.organisation_id ? names.get(n.organisation_id) : "No organisation";
    const rows = [["Organisation", where], ["Where on the map", HOPS[n.hops] || ""], ["Ties on this map", String(n.ties)]];
    if (n.isolated !== null && n.isolated !== undefined) {
      rows.push(["Isolated", n.isolated ? "Yes: no tie to anyone in another organisation" : "No"]);
      if (n.isolated && n.isolated_since) rows.push(["Isolated since", day(n.isolated_since)]);
      if (n.sole_in_organisation) rows.push(["Note", "The only assessor in the organisation"]);
    }
    if (!n.name) rows.push(["Name", "Not shown: this person works for another organisation"]);
    render(n.label, rows);
  }

  function showOrganisation(node) {
    const o = node.data("organisation");
    render(o.name, [["Kind", kinds[o.kind] || o.kind], ["Region", regions[o.region] || o.region],
      ["People on the map", String(o.shown)], ["Names", o.named ? "Shown to you" : "Not shown to you"]]);
  }

  function render(title, rows) {
    detailsEmpty.hidden = true;
    details.replaceChildren(
      bw.el("h3", { text: title }),
      bw.el("dl", { class: "pairs" }, rows.map(([k, v]) => bw.el("div", {}, bw.el("dt", { text: k }), bw.el("dd", { text: v })))));
  }

  function clear() {
    details.replaceChildren();
    detailsEmpty.hidden = false;
    for (const b of buttons.values()) b.setAttribute("aria-pressed", "false");
  }

  function select(id, from) {
    const node = cy.getElementById(id);
    if (node.empty()) return;
    cy.elements(":selected").unselect();
    node.select();
    if (from === "list") {
      // Show the person with the people they are tied to (or an organisation with its people), not zoomed in too far.
      const around = node.closedNeighborhood().nodes();
      cy.fit(around, 60);
      if (cy.zoom() > 1.5) cy.zoom({ level: 1.5, position: node.position() });
    }
  }

  function onSelect(node, data, names) {
    for (const [id, b] of buttons) b.setAttribute("aria-pressed", id === node.id() ? "true" : "false");
    cy.edges().removeClass("near");
    if (node.data("kind") === "person") {
      node.connectedEdges(".tie").addClass("near");
      showPerson(node, data, names);
    } else {
      showOrganisation(node);
    }
  }

  function buildKey(data, colours) {
    legend.replaceChildren(...data.organisations.map((o) => bw.el("li", {},
      bw.el("span", { class: "swatch", style: "background:" + colours.get(o.id), "aria-hidden": "true" }),
      bw.el("span", {}, o.name + (o.own ? " (this organisation)" : ""), bw.el("span", { class: "muted", text: " · " + words(o.shown, "person", "people") })))));
    if (data.nodes.some((n) => !n.organisation_id)) {
      legend.append(bw.el("li", {}, bw.el("span", { class: "swatch", style: "background:" + LOOSE, "aria-hidden": "true" }),
        bw.el("span", { text: "No organisation" })));
    }
  }

  function buildList(data, colours, names) {
    const groups = new Map(data.organisations.map((o) => [o.id, []]));
    groups.set(null, []);
    for (const n of data.nodes) groups.get(n.organisation_id || null).push(n);
    const parts = [];
    for (const [orgId, people] of groups) {
      if (!people.length && orgId !== data.organisation.id) continue;
      const title = orgId ? names.get(orgId) : "No organisation";
      const headingId = "list-" + (orgId ? orgKey(orgId) : "none").replace(/[^A-Za-z0-9_-]/g, "_");
      const orgButton = orgId ? bw.el("button", { type: "button", class: "link", "aria-pressed": "false",
        onclick: () => select(orgKey(orgId), "list") }, "About this organisation") : null;
      if (orgButton) buttons.set(orgKey(orgId), orgButton);
      const items = people.map((n) => {
        const b = bw.el("button", { type: "button", class: "person-button" + (n.isolated ? " isolated" : ""), "aria-pressed": "false",
          onclick: () => select(n.id, "list") }, n.label, n.isolated ? bw.el("span", { class: "tag", text: "isolated" }) : null);
        buttons.set(n.id, b);
        return bw.el("li", {}, b);
      });
      parts.push(bw.el("section", { class: "list-group", "aria-labelledby": headingId },
        bw.el("h3", { id: headingId }, bw.el("span", { class: "swatch", style: "background:" + (orgId ? colours.get(orgId) : LOOSE), "aria-hidden": "true" }),
          title + " (" + words(people.length, "person", "people") + ")"),
        orgButton,
        people.length ? bw.el("ul", { class: "people" }, items) : bw.el("p", { class: "muted", text: "No active assessors yet." })));
    }
    list.replaceChildren(...parts);
  }

  async function start(limit) {
    app.dataset.state = "loading";
    if (cy) { cy.destroy(); cy = null; }
    buttons.clear();
    clear();
    const result = await bw.api("GET", app.dataset.url + "?limit=" + encodeURIComponent(limit));
    if (!result.ok) {
      summary.textContent = "The map could not be loaded. " + bw.problem(result);
      app.dataset.state = "error";
      return;
    }
    const data = result.body;
    const colours = new Map(data.organisations.map((o, k) => [o.id, PALETTE[k % PALETTE.length]]));
    const names = new Map(data.organisations.map((o) => [o.id, o.name]));
    summary.textContent = data.summary + (data.isolated ? " " + words(data.isolated, "isolated assessor is", "isolated assessors are") +
      " shown as diamonds with a dashed outline." : "");
    buildKey(data, colours);
    buildList(data, colours, names);
    cy = window.cytoscape({
      container: document.getElementById("reach-map"),
      elements: elements(data, colours),
      style: STYLE,
      layout: { name: "preset" },
      minZoom: 0.1,
      maxZoom: 4,
      selectionType: "single",
      boxSelectionEnabled: false,
      autoungrabify: true,
    });
    cy.on("select", "node", (e) => onSelect(e.target, data, names));
    cy.on("unselect", "node", () => { if (cy.elements(":selected").empty()) { clear(); cy.edges().removeClass("near"); } });
    const layout = cy.layout({ name: "cose", animate: false, randomize: true, padding: 30, componentSpacing: 60,
      idealEdgeLength: (e) => (e.hasClass("works-for") ? 40 : 90), edgeElasticity: (e) => (e.hasClass("works-for") ? 200 : 60),
      nodeRepulsion: () => 6000, gravity: 0.5, numIter: 1500 });
    layout.one("layoutstop", () => {
      cy.fit(undefined, 30);
      app.dataset.state = "ready";
    });
    // The layout draws its starting positions from Math.random: seed it, so the map looks the same on every visit.
    const random = Math.random;
    Math.random = seeded(data.shown * 7919 + data.edges.length);
    try { layout.run(); } finally { Math.random = random; }
    window.bwReachMap = { cy, data, select };
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
