/* The enrolment page (issue 17): Select all / Select none over the people found, and a live count of those ticked. */
"use strict";
(function () {
  const form = document.getElementById("chosen-form");
  if (!form) return;
  const boxes = () => Array.from(form.querySelectorAll('input[name="assessor_id"]:not(:disabled)'));
  const count = document.getElementById("chosen-count");
  const submit = document.getElementById("enrol-chosen");

  function update() {
    const n = boxes().filter((b) => b.checked).length;
    count.textContent = n === 1 ? "1 person ticked" : n + " people ticked";
    submit.textContent = n ? "Enrol " + (n === 1 ? "1 person" : n + " people") : "Enrol the people ticked";
  }
  function setAll(on) {
    boxes().forEach((b) => { b.checked = on; });
    update();
    bw.announce(on ? "Every person listed is ticked." : "Nobody is ticked.");
  }

  const tools = document.getElementById("select-tools");
  tools.hidden = false;
  document.getElementById("select-all").addEventListener("click", () => setAll(true));
  document.getElementById("select-none").addEventListener("click", () => setAll(false));
  form.addEventListener("change", update);
  update();
})();
