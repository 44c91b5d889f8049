/* The live meeting page (issue 19): polls the meeting's state about once a second (If-None-Match, so an
   unchanged meeting costs a 304), shows it, and sends each step to the JSON API. The timer is worked out
   here from the stored start time, pauses and allowance; the server never ticks. Screen readers hear the
   phase changes and minute marks through a polite live region, never every second. */
"use strict";
(function () {
  const root = document.getElementById("live");
  if (!root || !window.bw) return;
  const api = root.dataset.api;
  const me = root.dataset.me;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 1000;
  const STAGE_WORDS = {
    checkin: "Check-in", bids: "Bids for time", presenting: "Presenting", questions: "Questions",
    action: "Action", review: "Process review", closed: "The meeting is closed",
  };
  const NEXT_WORDS = {
    checkin: "Open the bids for time", bids: "Start the first presenter", presenting: "Move on to questions",
    questions: "Move on to the action",
  };
  let view = null;
  let etag = null;
  let offset = 0;
  let joining = false;
  let spoken = { stage: null, minute: null };
  let attendanceKey = null;

  function show(el, yes) { el.hidden = !yes; }
  function say(message) {
    const region = $("live-announce");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = message; }, 50);
  }
  function problem(message) { const p = $("live-problem"); p.textContent = message; p.hidden = false; }
  function noProblem() { $("live-problem").hidden = true; }
  function done(message) { const p = $("live-done"); p.textContent = message; p.hidden = false; }
  function name(person) { return person ? person.name : ""; }
  function minutes(n) { return n + " minute" + (n === 1 ? "" : "s"); }

  async function poll() {
    try {
      const headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(api + "/live", { credentials: "same-origin", headers, cache: "no-store" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        render(await response.json());
        noProblem();
      } else if (response.status !== 304) {
        problem("The meeting could not be refreshed just now (" + response.status + "). Trying again…");
      } else {
        noProblem();
      }
    } catch (e) {
      problem("Lost touch with Bridgework for a moment. Trying again…");
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }

  async function send(method, path, body) {
    const result = await window.bw.api(method, api + path, body);
    if (result.body && result.body.live !== undefined) { etag = null; render(result.body); }
    if (!result.ok) problem(window.bw.problem(result));
    else noProblem();
    return result;
  }

  function step(what, extra) {
    const body = Object.assign({ do: what }, extra || {});
    if (["advance", "skip", "pause", "resume", "extend", "close"].includes(what)) body.run = view ? view.run : 0;
    return send("POST", "/live", body);
  }

  function stageTitle(v) {
    if (v.phase === "slots" && v.presenter) return STAGE_WORDS[v.stage] + ": " + v.presenter.name;
    return STAGE_WORDS[v.stage] || v.stage;
  }

  function remaining() {
    const t = view && view.timer;
    if (!t) return null;
    const now = Date.now() + offset;
    const end = t.paused_since ? Date.parse(t.paused_since) : now;
    return t.allowed_s - ((end - Date.parse(t.started_at)) / 1000 - t.paused_s);
  }

  function clockText(left) {
    const over = left < 0;
    const s = Math.floor(Math.abs(left));
    const text = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    return over ? text + " over" : text + " left";
  }

  function tick() {
    const left = remaining();
    if (left === null || !view || view.closed) { $("timer").textContent = ""; return; }
    $("timer").textContent = clockText(left);
    const over = left < 0;
    $("over-time").textContent = view.over_time_words;
    show($("over-time"), over && !view.timer.paused);
    // Minute marks for screen readers: every minute in the last five, every five minutes before, and time up.
    const minute = over ? -1 : Math.ceil(left / 60);
    if (spoken.minute !== null && minute !== spoken.minute && !view.timer.paused) {
      if (minute === -1) say("Time is up for this part.");
      else if (minute <= 5 || minute % 5 === 0) say(minutes(minute) + " left.");
    }
    spoken.minute = minute;
  }

  function personLine(p, v) {
    const tags = [];
    if (p.facilitator) tags.push("facilitating");
    if (!p.joined) tags.push("not here yet");
    else if (v.phase === "checkin" && p.checked_in) tags.push("checked in");
    if (p.bid === 0) tags.push("passed");
    else if (p.bid) tags.push("asked for " + minutes(p.bid) + (p.share !== null && p.share !== undefined ? ", gets " + minutes(p.share) : ""));
    const me_ = p.id === me ? " (you)" : "";
    return window.bw.el("li", {}, p.name + me_, tags.map((t) => window.bw.el("span", { class: "tag", text: t })));
  }

  function fillUnlessEditing(input, value) {
    if (document.activeElement !== input && input.dataset.dirty !== "1") input.value = value || "";
  }

  function render(v) {
    view = v;
    offset = Date.parse(v.now) - Date.now();
    show($("not-open"), !v.live);
    for (const id of ["now", "facilitator", "checkin", "bids", "people-section", "slots-section", "action", "review", "note", "attendance"]) {
      if (!v.live) show($(id), false);
    }
    if (!v.live) return;
    const mine = v.people.find((p) => p.id === me);
    if (mine && !mine.joined && !v.closed && !joining) { joining = true; step("join").finally(() => { joining = false; }); }

    const stageChanged = spoken.stage !== null && spoken.stage !== v.stage + (v.presenter ? v.presenter.id : "");
    show($("now"), true);
    $("phase-heading").textContent = stageTitle(v);
    $("phase-who").textContent = "Facilitator: " + v.facilitator.name + (v.i_facilitate ? " (you)" : "") +
      (v.phase === "slots" ? ". " + (v.i_present ? "You are presenting." : "Presenting: " + name(v.presenter) + ".") : "");
    show($("timer-paused"), Boolean(v.timer && v.timer.paused));
    $("hint").textContent = v.i_facilitate && !v.closed ? "" : v.hint || "";
    show($("hint"), Boolean($("hint").textContent));
    if (stageChanged) $("live-done").hidden = true;
    if (stageChanged || spoken.stage === null) {
      if (stageChanged) say("Now: " + stageTitle(v) + (v.timer ? ". " + v.timer.words + "." : "."));
      spoken.minute = null;
    } else if (spoken.paused !== undefined && spoken.paused !== Boolean(v.timer && v.timer.paused)) {
      say(v.timer && v.timer.paused ? "The timer is paused." : "The timer is running again.");
    }
    spoken.stage = v.stage + (v.presenter ? v.presenter.id : "");
    spoken.paused = Boolean(v.timer && v.timer.paused);

    // The facilitator's prompts and controls.
    show($("facilitator"), v.i_facilitate && !v.closed);
    const prompts = $("prompts");
    prompts.replaceChildren(...v.prompts.map((text) => window.bw.el("li", { text })));
    const last = v.slots.length && v.slots[v.slots.length - 1].current;
    $("advance").textContent = NEXT_WORDS[v.stage] || (v.stage === "action" ? (last ? "Go to the review" : "Next presenter") : "Next");
    show($("advance"), v.phase !== "review");
    show($("close"), v.phase === "review");
    show($("skip"), v.phase === "slots");
    const paused = Boolean(v.timer && v.timer.paused);
    show($("pause"), !paused);
    show($("resume"), paused);

    // Check-in and bids, for members.
    show($("checkin"), v.phase === "checkin" && !v.i_facilitate);
    const checked = mine && mine.checked_in;
    $("checked-in").disabled = Boolean(checked);
    $("checked-in").textContent = checked ? "You have checked in" : "I have checked in";
    show($("bids"), v.phase === "bids" && !v.i_facilitate);
    $("bids-left").textContent = "About " + minutes(Math.max(0, v.minutes_left - 10)) + " are left for presenters (10 are kept for the review). " +
      "If more is asked for than there is, the time is shared out fairly.";
    $("my-bid").textContent = !mine || mine.bid === null || mine.bid === undefined ? "You have not asked for time yet." :
      mine.bid === 0 ? "You passed today." : "You asked for " + minutes(mine.bid) + "; your fair share now: " + minutes(mine.share || 0) + ".";

    show($("people-section"), true);
    $("people").replaceChildren(...v.people.map((p) => personLine(p, v)));
    show($("slots-section"), v.slots.length > 0);
    $("slots").replaceChildren(...v.slots.map((s) => window.bw.el("li", { class: s.current ? "current" : null },
      s.presenter.name + (s.presenter.id === me ? " (you)" : "") + ": " + minutes(s.minutes),
      s.current ? window.bw.el("span", { class: "tag", text: "now: " + STAGE_WORDS[s.stage].toLowerCase() }) : null,
      s.outcome ? window.bw.el("span", { class: "tag", text: s.outcome === "skipped" ? "skipped" : "done" }) : null)));

    // The presenter's own action; the review; the facilitator's note; attendance after closing.
    const mySlot = v.slots.find((s) => s.presenter.id === me);
    const presents = v.my_action !== undefined && Boolean(mySlot) && mySlot.outcome !== "skipped";
    show($("action"), presents && ((v.i_present && v.stage === "action") || v.phase === "review" || v.closed));
    if (presents) fillUnlessEditing($("action-text"), v.my_action);
    show($("review"), v.phase === "review" || v.closed);
    for (const [key, value] of Object.entries(v.my_ratings || {})) {
      const radio = document.querySelector('input[name="rate-' + key + '"][value="' + value + '"]');
      if (radio && $("rate-form").dataset.dirty !== "1") radio.checked = true;
    }
    $("ratings-given").textContent = v.ratings_given ? v.ratings_given + " of you have rated so far." : "Nobody has rated yet.";
    $("line-now").textContent = v.review_line ? "The set's line: “" + v.review_line + "”" : "No line yet.";
    show($("note"), v.i_facilitate && (v.phase === "review" || v.closed));
    if (v.my_note !== undefined) fillUnlessEditing($("note-text"), v.my_note);
    show($("attendance"), v.closed && Array.isArray(v.attendance));
    if (v.closed && Array.isArray(v.attendance)) renderAttendance(v.attendance);
    tick();
  }

  const STATUS = { attended: "Attended", apologies: "Sent apologies", absent: "Absent" };
  function renderAttendance(rows) {
    const key = JSON.stringify(rows);
    if (key === attendanceKey || $("attendance-form").dataset.dirty === "1") return;
    attendanceKey = key;
    $("attendance-rows").replaceChildren(...rows.map((r) => window.bw.el("fieldset", { class: "rating" },
      window.bw.el("legend", { text: r.name + (r.id === me ? " (you)" : "") }),
      Object.entries(STATUS).map(([value, words]) => window.bw.el("label", {},
        window.bw.el("input", { type: "radio", name: "att-" + r.id, value, checked: r.status === value }), " " + words)))));
  }

  for (const id of ["action-text", "note-text", "review-line"]) {
    $(id).addEventListener("input", (e) => { e.target.dataset.dirty = "1"; });
  }
  $("rate-form").addEventListener("change", () => { $("rate-form").dataset.dirty = "1"; });
  $("attendance-form").addEventListener("change", () => { $("attendance-form").dataset.dirty = "1"; });

  $("open-meeting").addEventListener("click", () => send("POST", "/live/start"));
  $("advance").addEventListener("click", () => step("advance"));
  $("skip").addEventListener("click", () => step("skip"));
  $("pause").addEventListener("click", () => step("pause").then(() => $("resume").focus()));
  $("resume").addEventListener("click", () => step("resume").then(() => $("pause").focus()));
  $("close").addEventListener("click", () => step("close"));
  $("checked-in").addEventListener("click", () => step("checkin"));
  $("pass").addEventListener("click", () => step("pass").then((r) => { if (r.ok) done("You passed today."); }));
  $("extend-form").addEventListener("submit", (e) => {
    e.preventDefault();
    step("extend", { minutes: Number($("extend-minutes").value) }).then((r) => { if (r.ok) done("Time added."); });
  });
  $("bid-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const n = Number($("bid-minutes").value);
    if (!Number.isInteger(n) || n < 1) { problem("Ask for a whole number of minutes from 1, or pass."); return; }
    step("bid", { minutes: n }).then((r) => { if (r.ok) done("You asked for " + minutes(n) + "."); });
  });
  $("rate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const ratings = {};
    for (const input of $("rate-form").querySelectorAll("input[type=radio]:checked")) ratings[input.name.slice(5)] = Number(input.value);
    if (!Object.keys(ratings).length) { problem("Choose a rating for at least one question."); return; }
    step("rate", { ratings }).then((r) => { if (r.ok) { $("rate-form").dataset.dirty = ""; done("Your ratings are saved."); } });
  });
  $("line-form").addEventListener("submit", (e) => {
    e.preventDefault();
    step("line", { line: $("review-line").value }).then((r) => { if (r.ok) { $("review-line").dataset.dirty = ""; $("review-line").value = ""; done("The set's line is saved."); } });
  });
  $("action-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send("PUT", "/my-action", { action: $("action-text").value }).then((r) => {
      if (r.ok) { $("action-text").dataset.dirty = ""; done("Your action is saved. Only you can see it."); }
    });
  });
  $("note-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send("PUT", "/live/note", { note: $("note-text").value }).then((r) => {
      if (r.ok) { $("note-text").dataset.dirty = ""; done("Your note is saved. Only you will see it."); }
    });
  });
  $("attendance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const attendance = {};
    for (const input of $("attendance-form").querySelectorAll("input[type=radio]:checked")) attendance[input.name.slice(4)] = input.value;
    $("attendance-form").dataset.dirty = "";
    send("PUT", "/live/attendance", { attendance }).then((r) => {
      if (r.ok) done("Attendance saved.");
      else $("attendance-form").dataset.dirty = "1";
    });
  });

  window.setInterval(tick, 1000);
  poll();
})();
