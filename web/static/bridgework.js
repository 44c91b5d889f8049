/* Bridgework pages: the little shared JavaScript. Pages work without it; it adds live updates. */
"use strict";
window.bw = (function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  /** Call the JSON API with the session cookie and the CSRF header; resolves to {ok, status, body}. */
  async function api(method, url, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET" && method !== "HEAD") options.headers["X-CSRFToken"] = csrf();
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, body: data };
  }

  /** A person-readable message from an API error body (field messages included). */
  function problem(result) {
    const error = (result.body && result.body.error) || {};
    const parts = [error.message || ("The request failed (" + result.status + ").")];
    for (const [name, messages] of Object.entries(error.fields || {})) {
      parts.push(name + ": " + (Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages)));
    }
    return parts.join(" ");
  }

  /** Build an element safely: text is always set as text, never as HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Announce a message in the page's live region (created on first use). */
  function announce(message) {
    let region = document.getElementById("bw-live");
    if (!region) {
      region = el("div", { id: "bw-live", class: "visually-hidden", "aria-live": "polite", role: "status" });
      document.body.append(region);
    }
    region.textContent = "";
    window.setTimeout(() => { region.textContent = message; }, 50);
  }

  return { api, problem, el, announce, csrf };
})();

/* Wide tables scroll inside their own box, so no page scrolls sideways on a phone; a box that scrolls is a
 * named region reachable by the keyboard (tabindex 0), so people who cannot swipe can scroll it too. */
(function () {
  let count = 0;
  function boxes() {
    for (const table of document.querySelectorAll("main table")) {
      let box = table.parentElement;
      if (box.tagName !== "DIV" || !(box.classList.contains("table-scroll") || box.classList.contains("table-wrap"))) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.before(box);
        box.append(table);
      }
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (box.dataset.bwScroll === String(scrolls)) continue;
      box.dataset.bwScroll = String(scrolls);
      if (box.dataset.bwOwn === undefined) box.dataset.bwOwn = box.hasAttribute("tabindex") ? "yes" : "no";
      if (box.dataset.bwOwn === "yes") continue;
      if (scrolls) {
        const caption = table.querySelector("caption");
        if (caption && !caption.id) caption.id = "bw-table-" + (++count);
        box.setAttribute("role", "region");
        if (caption) box.setAttribute("aria-labelledby", caption.id);
        else box.setAttribute("aria-label", "Table (scrolls sideways)");
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
        box.removeAttribute("aria-label");
        box.removeAttribute("tabindex");
      }
    }
  }
  let pending = null;
  function later() {
    if (pending) return;
    pending = window.requestAnimationFrame(() => { pending = null; boxes(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boxes);
  else boxes();
  window.addEventListener("resize", later);
  window.bwTables = boxes;
})();
