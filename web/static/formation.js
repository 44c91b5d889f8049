/* The "Form sets" workspace: proposed sets as cards; move people by drag and drop (dropping anywhere on a set moves
   them into it; swapping is its own action, from the chosen person's panel) or by keyboard; undo, redo and every
   kept version restorable; sets named and numbered. Every change goes through the proposal API (with its version);
   an edit answers with only the sets it changed (reply "changes"), merged into the proposal drawn here.
   Text is always set as text (bw.el), never as HTML. */
"use strict";
(function () {
  const dataNode = document.getElementById("formation-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const $ = (id) => document.getElementById(id);
  const el = bw.el;

  const root = $("workspace");
  if (!root || !data.proposal_id) return;

  const url = "/api/v1/proposals/" + encodeURIComponent(data.proposal_id);
  let proposal = null;   // the proposal as the API last returned it
  let selected = null;   // id of the person chosen for a keyboard move or swap
  let busy = false;
  let whatIfTimer = null;
  let whatIfSeq = 0;
  const undoStack = [];  // versions to go back to, newest last (this visit's changes)
  const redoStack = [];  // versions undone, to go forward to again
  const rules = data.rules || { size_max: 99, max_per_organisation: 1, require_common_slot: false };

  // -- reading the proposal -------------------------------------------------------------------

  const person = (id) => data.people[id] || { organisation: "No organisation", isolated: false, slots: [], available: "" };
  const setLabel = (n) => { const s = proposal.sets.find((x) => x.number === n); return s && s.name !== "Set " + n ? s.name + " (set " + n + ")" : "set " + n; };
  const setTitle = (s) => (s.name && s.name !== "Set " + s.number ? s.name + " · Set " + s.number : "Set " + s.number);
  // Sets keep their numbers through edits, locks and re-runs (numbers may have gaps): a new set takes one past the highest.
  const nextNumber = () => proposal.sets.reduce((high, s) => Math.max(high, s.number), 0) + 1;
  const isSet = (n) => proposal.sets.some((s) => s.number === n);

  function where(id) {
    for (const s of proposal.sets) if (s.members.some((m) => m.id === id)) return s;
    return null;
  }
  function nameOf(id) {
    for (const s of proposal.sets) for (const m of s.members) if (m.id === id) return m.name;
    for (const u of proposal.unplaced) if (u.id === id) return u.name;
    return id;
  }
  const score = (value) => (Math.round(value * 10) / 10).toLocaleString("en-GB");

  // -- drawing ---------------------------------------------------------------------------------

  function render() {
    renderSummary();
    renderSets();
    renderUnplaced();
    renderSelection();
    renderJump();
    renderUndo();
    loadVersions();
    $("rerun-version").value = String(proposal.version);
    root.setAttribute("aria-busy", "false");
    root.dataset.version = String(proposal.version);
    scheduleWhatIf();
  }

  // "36 of at most 41": a count beside the most any valid grouping could reach, when that is proven (bound_exact) and not
  // reached; an upper bound from the relaxation alone is not shown (it may be more than any grouping can reach).
  function atMost(value, bound) {
    if (!proposal.bound_exact || bound === null || bound === undefined || value >= bound) return String(value);
    return value + " of at most " + bound;
  }

  // An offered rearrangement in words: "Sam Patel joins Set 3; Jo Bloggs leaves Set 3 (not placed)".
  function movesText(moves) {
    return moves.map((m) => {
      if (m.to_set === null) return m.name + " leaves Set " + m.from_set + " (not placed)";
      if (m.from_set === null) return m.name + " joins Set " + m.to_set;
      return m.name + " moves from Set " + m.from_set + " to Set " + m.to_set;
    }).join("; ");
  }

  function renderSummary() {
    const figures = [
      ["Enrolled", proposal.pool],
      ["Placed", atMost(proposal.placed, proposal.placed_bound)],
      ["Isolated people connected", atMost(proposal.connected, proposal.connected_bound)],
      ["Not placed", proposal.unplaced.length],
      ["Sets", proposal.sets.length],
      ["Score", score(proposal.score)],
    ];
    const dl = el("dl", { class: "figures compact", id: "ws-figures" },
      figures.map(([label, value]) => el("div", {}, el("dt", { text: label }), el("dd", { text: String(value), "data-figure": label }))));
    const problems = proposal.violations.slice();
    proposal.sets.forEach((s) => s.violations.forEach((v) => problems.push("Set " + s.number + ": " + v)));
    const verdict = problems.length
      ? el("div", { class: "problems", id: "ws-verdict" },
          el("p", { text: "This proposal breaks " + (problems.length === 1 ? "a rule" : problems.length + " rules") + " and cannot be committed until that is put right:" }),
          el("ul", {}, problems.map((p) => el("li", { text: p }))))
      : el("p", { class: "notice ok", id: "ws-verdict", text: "Every set keeps the programme's rules." });
    const section = $("summary");
    // What made it and how to make it again (engine version, seed, steps): issue 22.
    const made = el("p", { class: "hint", id: "ws-made", text: proposal.made });
    const parts = [section.querySelector("h2"), dl, verdict, made];
    // After a re-run: what it did to the set numbers, in words (locked sets always keep theirs).
    if (proposal.renumbering) parts.push(el("p", { class: "notice", id: "ws-renumbering", text: proposal.renumbering.summary }));
    section.replaceChildren(...parts);
  }

  function memberItem(m, set) {
    const info = person(m.id);
    const locked = set ? set.locked : false;
    const pick = el("button", {
      type: "button",
      class: "member-pick",
      "aria-pressed": selected === m.id ? "true" : "false",
      "data-member": m.id,
      disabled: locked,
      title: locked ? "This set is locked" : "Choose to move or swap",
      onclick: () => select(m.id),
    }, m.name);
    const li = el("li", {
      class: "member" + (selected === m.id ? " selected" : "") + (locked ? " locked" : ""),
      "data-member": m.id,
      draggable: locked ? null : "true",
    },
      pick,
      el("span", { class: "org", text: info.organisation }),
      info.experience !== null && info.experience !== undefined
        ? el("span", { class: "exp", text: info.experience + (info.experience === 1 ? " year" : " years") })
        : null,
      el("span", { class: "avail muted", text: info.available || "No times given" }),
      info.isolated ? el("span", { class: "tag isolated", text: "Isolated" }) : null);
    return li;
  }

  function renderSets() {
    const grid = $("sets");
    const cards = proposal.sets.map((s) => {
      const broken = s.violations.length > 0;
      const size = s.members.length;
      const titleId = "set-" + s.number + "-title";
      const meets = s.meeting_time ? "Meets " + s.meeting_time : "No common weekly time";
      const others = s.common_slots.filter((c) => c !== s.meeting_slot).length;
      const breakdown = Object.entries(s.breakdown)
        .filter(([, v]) => v !== 0)
        .map(([goal, v]) => el("div", {}, el("dt", { text: (data.goals[goal] || goal) }), el("dd", { text: score(v) })));
      const fit = selected && !s.members.some((m) => m.id === selected) ? fits(s, selected) : null;
      return el("section", {
        class: "set-card" + (s.locked ? " locked" : "") + (broken ? " broken" : "") + (fit === null ? "" : fit.ok ? " can-join" : " cannot-join"),
        id: "set-card-" + s.number,
        tabindex: "-1",
        "data-set": String(s.number),
        "data-drop": s.locked ? null : "set",
        "aria-labelledby": titleId,
      },
        el("header", {},
          el("h3", { id: titleId }, setTitle(s), s.locked ? el("span", { class: "tag locked-tag", text: "Locked" }) : null),
          el("p", { class: "set-score" }, "Score ", el("strong", { "data-score": String(s.number), text: score(s.score) }))),
        el("p", { class: "meets" }, meets, others ? el("span", { class: "muted", text: " (or " + others + " other common " + (others === 1 ? "time" : "times") + ")" }) : null),
        el("p", { class: "themes" }, s.shared_themes.length
          ? ["Shared themes: ", el("span", { text: s.shared_themes.map((t) => t.name).join(", ") })]
          : el("span", { class: "muted", text: "No theme shared by everyone" })),
        el("p", { class: "size muted", text: size + (size === 1 ? " person" : " people") }),
        broken ? el("ul", { class: "violations", "aria-label": "Rules set " + s.number + " breaks" }, s.violations.map((v) => el("li", { text: v }))) : null,
        el("ul", { class: "members", "aria-label": "Members of set " + s.number }, s.members.map((m) => memberItem(m, s))),
        el("details", { class: "why" },
          el("summary", { text: "Why these people" }),
          el("ul", {}, s.reasons.map((r) => el("li", { text: r }))),
          breakdown.length ? el("dl", { class: "breakdown" }, breakdown) : null),
        fit === null ? null : el("p", { class: "fit " + (fit.ok ? "ok" : "no"), "data-fit": String(s.number), text: fit.ok ? nameOf(selected) + " can join without breaking a rule" : "Not for " + nameOf(selected) + ": " + fit.why }),
        el("div", { class: "card-actions" },
          s.locked ? null : el("button", {
            type: "button",
            class: "secondary",
            "data-rename": String(s.number),
            onclick: () => rename(s),
          }, "Rename"),
          el("button", {
            type: "button",
            class: "secondary",
            "data-lock": String(s.number),
            onclick: () => lock(s.number, !s.locked),
          }, s.locked ? "Unlock set " + s.number : "Lock set " + s.number)));
    });
    grid.replaceChildren(...cards);
    $("new-set").hidden = false;
  }

  function renderUnplaced() {
    const body = $("unplaced-body");
    $("unplaced-heading").textContent = "Not placed (" + proposal.unplaced.length + ")";
    if (!proposal.unplaced.length) {
      body.replaceChildren(el("p", { class: "muted", text: "Everyone is placed. Drag someone here to leave them out." }));
      return;
    }
    body.replaceChildren(
      el("p", { class: "hint", text: "These people are in the pool but in no set, each with the reason. Move them into a set if you can make it work." }),
      el("ul", { class: "members unplaced-list", "aria-label": "People not placed" },
        proposal.unplaced.map((u) => {
          const li = memberItem({ id: u.id, name: u.name, experience_years: null }, null);
          li.append(el("span", { class: "reason", text: u.reason }));
          if (u.moves && u.moves.length) li.append(el("span", { class: "reason offer", text: "To place them: " + movesText(u.moves) + "." }));
          return li;
        })));
  }

  // -- the keyboard alternative: choose a person, then Move to / Swap with ----------------------------

  // Whether someone could join a set without breaking a rule: a place left, their organisation within the limit,
  // a weekly time everyone shares (when every set needs one), and no cannot-link pair.
  function fits(s, id) {
    const me = person(id);
    if (s.locked) return { ok: false, why: "the set is locked" };
    if (s.members.length >= rules.size_max) return { ok: false, why: "it is full (" + rules.size_max + " people)" };
    const same = s.members.filter((m) => person(m.id).organisation_id && person(m.id).organisation_id === me.organisation_id).length;
    if (me.organisation_id && same >= rules.max_per_organisation) return { ok: false, why: "someone from " + me.organisation + " is in it already" };
    if (rules.require_common_slot) {
      const shared = s.common_slots.filter((slot) => (me.slots || []).includes(slot));
      if (!shared.length) return { ok: false, why: "no weekly time in common with everyone in it" };
    }
    const apart = (proposal.cannot_link || []).some(([a, b]) => (a === id && s.members.some((m) => m.id === b)) || (b === id && s.members.some((m) => m.id === a)));
    if (apart) return { ok: false, why: "they must not be in a set with someone in it" };
    return { ok: true, why: "" };
  }

  function select(id) {
    selected = selected === id ? null : id;
    renderSets();
    renderSelection();
    document.querySelectorAll(".member-pick").forEach((b) => {
      const on = b.dataset.member === selected;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.closest("li").classList.toggle("selected", on);
    });
    if (selected) {
      bw.announce(nameOf(selected) + " chosen. Pick where to move them, or whom to swap with.");
      $("move-target").focus();
    }
  }

  function renderSelection() {
    const panel = $("selection");
    if (!selected || !proposal || (!where(selected) && !proposal.unplaced.some((u) => u.id === selected))) {
      selected = null;
      panel.hidden = true;
      return;
    }
    const home = where(selected);
    $("sel-name").textContent = nameOf(selected);
    $("sel-where").textContent = home ? "(in set " + home.number + ")" : "(not placed)";
    const moves = [];
    for (const s of proposal.sets) {
      if (home && s.number === home.number) continue;
      const fit = fits(s, selected);
      moves.push(el("option", { value: String(s.number), disabled: s.locked }, setTitle(s) + (s.locked ? " (locked)" : "") + " · " + s.members.length + " people" + (fit.ok ? " · fits" : "")));
    }
    moves.push(el("option", { value: String(nextNumber()) }, "A new set (set " + nextNumber() + ")"));
    if (home) moves.push(el("option", { value: "out" }, "Leave out (not placed)"));
    $("move-target").replaceChildren(...moves);
    const swaps = [];
    for (const s of proposal.sets) {
      if ((home && s.number === home.number) || s.locked) continue;
      swaps.push(el("optgroup", { label: setTitle(s) }, s.members.map((m) => el("option", { value: m.id }, m.name + " (" + person(m.id).organisation + ")"))));
    }
    if (home && proposal.unplaced.length) {
      swaps.push(el("optgroup", { label: "Not placed" }, proposal.unplaced.map((u) => el("option", { value: u.id }, u.name))));
    }
    $("swap-target").replaceChildren(...swaps);
    $("swap-go").disabled = swaps.length === 0;
    panel.hidden = false;
  }

  $("move-go").addEventListener("click", () => {
    if (!selected) return;
    const value = $("move-target").value;
    move(selected, value === "out" ? null : Number(value));
  });
  $("swap-go").addEventListener("click", () => {
    if (selected && $("swap-target").value) swap(selected, $("swap-target").value);
  });
  $("sel-cancel").addEventListener("click", () => cancelSelection());
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected) cancelSelection();
  });

  function cancelSelection() {
    const id = selected;
    selected = null;
    renderSelection();
    document.querySelectorAll(".member.selected").forEach((li) => li.classList.remove("selected"));
    document.querySelectorAll('.member-pick[aria-pressed="true"]').forEach((b) => b.setAttribute("aria-pressed", "false"));
    if (id) focusMember(id);
  }

  function focusMember(id) {
    const button = document.querySelector('.member-pick[data-member="' + CSS.escape(id) + '"]');
    if (button) button.focus();
  }

  // -- drag and drop --------------------------------------------------------------------------------

  let dragged = null;
  root.addEventListener("dragstart", (event) => {
    const li = event.target.closest && event.target.closest("li.member[draggable]");
    if (!li) return;
    dragged = li.dataset.member;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    li.classList.add("dragging");
  });
  root.addEventListener("dragend", () => {
    dragged = null;
    document.querySelectorAll(".dragging, .over").forEach((n) => n.classList.remove("dragging", "over"));
  });
  // Dropping anywhere on a set (a person's card included) moves into that set: a swap is never made by dropping.
  function dropTarget(event) {
    const target = event.target.closest && event.target.closest("[data-drop]");
    if (!target || !dragged) return null;
    return target;
  }
  root.addEventListener("dragover", (event) => {
    const target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".over").forEach((n) => n !== target && n.classList.remove("over"));
    target.classList.add("over");
  });
  root.addEventListener("dragleave", (event) => {
    const target = event.target.closest && event.target.closest("[data-drop]");
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("over");
  });
  root.addEventListener("drop", (event) => {
    const target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    const id = event.dataTransfer.getData("text/plain") || dragged;
    target.classList.remove("over");
    const kind = target.dataset.drop;
    const from = where(id);
    if (kind === "set") {
      const n = Number(target.dataset.set);
      if (from && from.number === n) return;
      move(id, n);
    } else if (kind === "new") {
      move(id, nextNumber());
    } else if (kind === "out") {
      if (from) move(id, null);
    }
  });

  // -- changes through the API ----------------------------------------------------------------------

  function status(message, kind) {
    const box = $("ws-status");
    box.className = "ws-status" + (kind ? " " + kind : "");
    box.textContent = message;
  }

  function setBusy(on) {
    busy = on;
    root.setAttribute("aria-busy", on ? "true" : "false");
    root.classList.toggle("busy", on);
  }

  async function change(path, body, describe, refocus, history) {
    if (busy) return;
    setBusy(true);
    const before = proposal;
    const result = await bw.api("POST", url + path, Object.assign({ version: proposal.version }, body));
    setBusy(false);
    if (result.ok) {
      proposal = merged(result.body);
      // Undo and redo: every change can be undone (a restore of the version before it); undoing can be redone.
      if (history === "undo") redoStack.push(before.version);
      else if (history === "redo") undoStack.push(before.version);
      else { undoStack.push(before.version); redoStack.length = 0; }
      selected = null;
      render();
      const delta = proposal.score - before.score;
      const sign = delta > 0 ? "up " : delta < 0 ? "down " : "";
      const rules = proposal.valid ? "Every set keeps the rules." : "Warning: the proposal now breaks a rule (see the sets marked in red).";
      const message = describe + " Score " + score(proposal.score) + (delta ? " (" + sign + score(Math.abs(delta)) + ")" : " (unchanged)") + ". " + rules;
      status(message, proposal.valid ? "ok" : "warn");
      if (refocus) refocus();
      return;
    }
    if (result.status === 409) {
      const message = "Not changed: " + bw.problem(result) + " The proposal has been reloaded as it is now.";
      await load();
      status(message, "error");
      return;
    }
    status("Not changed: " + bw.problem(result), "error");
  }

  // An edit's answer holds only the sets it changed (and every set's number): the others stay as drawn.
  function merged(body) {
    if (body.changed === null || body.changed === undefined || !proposal) return body;
    const byNumber = new Map(proposal.sets.map((s) => [s.number, s]));
    body.sets.forEach((s) => byNumber.set(s.number, s));
    return Object.assign({}, body, { sets: body.numbers.map((n) => byNumber.get(n)).filter(Boolean) });
  }

  function move(id, to) {
    const name = nameOf(id);
    const text = to === null ? "Left " + name + " out." : !isSet(to) ? "Moved " + name + " to a new set." : "Moved " + name + " to " + setLabel(to) + ".";
    return change("/edits", { move: { member_id: id, to_set: to }, reply: "changes" }, text, () => focusMember(id));
  }

  function swap(a, b) {
    return change("/edits", { swap: { a: a, b: b }, reply: "changes" }, "Swapped " + nameOf(a) + " and " + nameOf(b) + ".", () => focusMember(a));
  }

  function rename(s) {
    const card = $("set-card-" + s.number);
    if (!card || card.querySelector(".rename-form")) return;
    const input = el("input", { type: "text", id: "rename-" + s.number, maxlength: "80", value: s.name === "Set " + s.number ? "" : s.name });
    const form = el("form", { class: "rename-form", novalidate: true },
      el("label", { for: "rename-" + s.number, text: "Name of set " + s.number + " (empty: \"Set " + s.number + "\")" }),
      input,
      el("button", { type: "submit", text: "Save name" }),
      el("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => { form.remove(); card.querySelector('[data-rename]').focus(); } }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = input.value.trim();
      change("/names", { set: s.number, name: name }, name ? "Set " + s.number + " is now called " + name + "." : "Set " + s.number + " is called by its number again.", () => {
        const button = document.querySelector('[data-rename="' + s.number + '"]');
        if (button) button.focus();
      });
    });
    card.querySelector(".card-actions").before(form);
    input.focus();
  }

  // -- undo, redo and every kept version ------------------------------------------------------------

  function restore(version, history) {
    return change("/restore", { restore: version }, "Back to version " + version + ".", () => $(history === "redo" ? "redo" : "undo").focus(), history);
  }

  function renderUndo() {
    $("undo").disabled = undoStack.length === 0;
    $("redo").disabled = redoStack.length === 0;
  }
  $("undo").addEventListener("click", () => { if (undoStack.length) restore(undoStack.pop(), "undo"); });
  $("redo").addEventListener("click", () => { if (redoStack.length) restore(redoStack.pop(), "redo"); });

  let versionsSeq = 0;
  async function loadVersions() {
    const seq = ++versionsSeq;
    const result = await bw.api("GET", url + "/versions");
    if (seq !== versionsSeq || !result.ok) return;
    const items = result.body.items.slice().reverse();  // newest first
    $("versions-body").replaceChildren(el("ol", { class: "versions", reversed: true },
      items.map((v) => el("li", { "data-version": String(v.version) },
        el("span", { class: "version-words", text: "Version " + v.version + ": " + v.words }),
        v.made_at ? el("span", { class: "muted", text: " · " + new Date(v.made_at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) }) : null,
        v.current
          ? el("strong", { class: "tag", text: "Now" })
          : el("button", { type: "button", class: "secondary", "data-restore": String(v.version), onclick: () => restore(v.version) }, "Restore version " + v.version)))));
  }

  // -- a keyboard path between the sets and to Commit --------------------------------------------------

  function renderJump() {
    const links = proposal.sets.map((s) => el("a", { href: "#set-card-" + s.number, "data-jump": String(s.number), onclick: (event) => { event.preventDefault(); focusSet(s.number); } }, setTitle(s)));
    links.push(el("a", { href: "#commit-link", onclick: (event) => { event.preventDefault(); $("commit-link").focus(); } }, "Commit"));
    $("set-jump").replaceChildren(el("span", { class: "muted", text: "Go to: " }), ...links.flatMap((a, k) => (k ? [" · ", a] : [a])));
  }

  function focusSet(number) {
    const card = $("set-card-" + number);
    if (card) { card.focus(); card.scrollIntoView({ block: "nearest" }); }
  }

  // "]" and "[" jump to the next and previous set, "c" to Commit; Ctrl+Z undoes and Ctrl+Y (or Ctrl+Shift+Z) redoes.
  document.addEventListener("keydown", (event) => {
    if (!proposal || event.altKey || event.metaKey) return;
    const typing = event.target.closest && event.target.closest("input, select, textarea");
    if (typing) return;
    if (event.ctrlKey && (event.key === "z" || event.key === "Z") && !event.shiftKey) { event.preventDefault(); $("undo").click(); return; }
    if (event.ctrlKey && (event.key === "y" || ((event.key === "z" || event.key === "Z") && event.shiftKey))) { event.preventDefault(); $("redo").click(); return; }
    if (event.ctrlKey) return;
    const card = event.target.closest && event.target.closest(".set-card");
    const numbers = proposal.sets.map((s) => s.number);
    const at = card ? numbers.indexOf(Number(card.dataset.set)) : -1;
    if (event.key === "]") { event.preventDefault(); focusSet(numbers[Math.min(at + 1, numbers.length - 1)]); }
    else if (event.key === "[") { event.preventDefault(); focusSet(numbers[Math.max(at - 1, 0)]); }
    else if (event.key === "c") { event.preventDefault(); $("commit-link").focus(); }
  });

  function lock(number, on) {
    const refocus = () => {
      const button = document.querySelector('button[data-lock="' + number + '"]');
      if (button) button.focus();
    };
    return change("/locks", { sets: [number], locked: on }, (on ? "Locked " : "Unlocked ") + setLabel(number) + ".", refocus);
  }

  async function load() {
    const result = await bw.api("GET", url);
    if (!result.ok) {
      status("The proposal could not be loaded: " + bw.problem(result), "error");
      return;
    }
    proposal = result.body;
    if (proposal.status !== "open") {
      status("This proposal has been committed; its sets are on the programme page.", "warn");
    }
    render();
  }

  // -- what-if reach, worked out for the proposal as it stands ------------------------------------------

  function scheduleWhatIf() {
    window.clearTimeout(whatIfTimer);
    whatIfTimer = window.setTimeout(whatIf, 400);
  }

  async function whatIf() {
    const sets = proposal.sets.map((s) => s.members.map((m) => m.id)).filter((ids) => ids.length >= 2);
    const body = $("whatif-body");
    if (!sets.length) {
      body.replaceChildren(el("p", { class: "muted", text: "No sets to weigh yet." }));
      return;
    }
    const seq = ++whatIfSeq;
    body.setAttribute("aria-busy", "true");
    const result = await bw.api("POST", "/api/v1/reach/what-if", { sets: sets });
    if (seq !== whatIfSeq) return;
    body.setAttribute("aria-busy", "false");
    if (!result.ok) {
      body.replaceChildren(el("p", { class: "muted", text: "The reach summary is not available: " + bw.problem(result) }));
      return;
    }
    const w = result.body;
    const figures = [
      ["New ties across organisations", w.new_cross_ties],
      ["Isolated people connected", w.newly_connected],
      ["Isolated assessors", w.isolated_before + " → " + w.isolated_after],
      ["Organisation pairs tied for the first time", w.new_organisation_pairs],
    ];
    body.replaceChildren(
      el("ul", { class: "whatif-summary" }, w.summary.map((line) => el("li", { text: line }))),
      el("dl", { class: "figures compact" }, figures.map(([label, value]) => el("div", {}, el("dt", { text: label }), el("dd", { text: String(value) })))));
  }

  load();
})();
