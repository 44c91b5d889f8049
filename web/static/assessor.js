/* Assessor pages: answer suggestions and contact requests without reloading the page (the forms work without this),
   and show the "paused until" date only while pausing is ticked. Data reaches the DOM only as text (bw.el / textContent). */
"use strict";
(function () {
  const OUTCOMES = {
    connect: (name) => "Request sent to " + name + ". You will see them in your contacts when they accept.",
    decline: (name) => name + " will not be suggested to you again.",
    accept: (name) => "You are now connected with " + name + ".",
    withdraw: (name) => "Your request to " + name + " is withdrawn.",
    refuse: (name) => "You declined the request from " + name + ". They will not be suggested to you again.",
  };

  function outcomeOf(form) {
    const card = form.closest(".card");
    return card ? card.querySelector(".outcome") : null;
  }

  async function answer(event) {
    const form = event.currentTarget;
    event.preventDefault();
    const kind = form.dataset.kind;
    const name = form.dataset.name || "them";
    const actions = form.closest(".actions");
    const buttons = actions ? actions.querySelectorAll("button") : form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const body = kind === "connect" ? { to_id: form.dataset.other } : undefined;
    let result;
    try {
      result = await bw.api("POST", form.dataset.api, body);
    } catch (e) {
      result = { ok: false, status: 0, body: { error: { message: "The network did not answer. Try again." } } };
    }
    const outcome = outcomeOf(form);
    const card = form.closest(".card");
    if (result.ok) {
      const isRequest = form.classList.contains("js-request");
      const message = OUTCOMES[isRequest && kind === "decline" ? "refuse" : kind](name);
      if (actions) actions.remove();
      if (outcome) {
        outcome.textContent = message;
        if (kind === "accept") {
          outcome.append(" ", bw.el("a", { href: window.location.pathname + "#contacts-heading", onclick: () => window.location.reload() },
            "See how to reach them"));
        }
        outcome.classList.remove("error");
        outcome.hidden = false;
        outcome.setAttribute("tabindex", "-1");
        outcome.focus();
      }
      if (card) card.classList.add("done");
      bw.announce(message);
    } else {
      buttons.forEach((b) => { b.disabled = false; });
      const message = bw.problem(result);
      if (outcome) {
        outcome.textContent = message;
        outcome.classList.add("error");
        outcome.hidden = false;
      }
      bw.announce(message);
    }
  }

  document.querySelectorAll("form.js-suggestion, form.js-request").forEach((form) => {
    form.addEventListener("submit", answer);
  });

  const paused = document.getElementById("paused");
  const until = document.getElementById("pause-until");
  if (paused && until) {
    const sync = () => {
      const hasError = until.classList.contains("has-error");
      until.hidden = !paused.checked && !hasError;
    };
    paused.addEventListener("change", sync);
    sync();
  }

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
