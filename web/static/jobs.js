/* Following a background job (an import, a large set formation) from a page: a <progress> bar and a spoken status.

   bwJobs.follow(jobId, {onProgress, onDone, onError, progress, status}) polls GET /api/v1/jobs/<jobId>
   (quickly at first, then backing off to every few seconds), keeps a <progress> element and a status
   text up to date, and calls onDone(job) or onError(message, job) once. `progress` / `status` are
   elements (or selectors); without them it uses the [data-job-progress] / [data-job-status] elements
   inside the element whose data-job-id is jobId. Returns {stop()}.

   Pages may also just mark an element up: <div data-job-id="..." data-done-url="...">, holding a
   <progress data-job-progress> and a <p data-job-status aria-live="polite">; bwJobs.attach() (run on
   load) follows it and, when the job is done or failed, goes to data-done-url (or reloads the page),
   where the server shows the outcome. The job id is in the page's URL, so the page can be left and
   opened again. Needs bridgework.js (bw.api, bw.announce). Never writes HTML: text only. */
"use strict";
window.bwJobs = (function () {
  const FIRST_DELAY = 400;
  const MAX_DELAY = 5000;
  const GROWTH = 1.5;
  const MAX_NETWORK_FAILURES = 8;

  function resolve(target, fallback) {
    if (!target) return fallback || null;
    return typeof target === "string" ? document.querySelector(target) : target;
  }

  function describe(job) {
    if (job.status === "queued") return job.message || "Waiting to start…";
    if (job.status === "running") {
      const share = job.total > 0 ? " (" + job.done + " of " + job.total + ")" : "";
      return (job.message || "Working") + share;
    }
    if (job.status === "done") return job.message || "Finished.";
    return job.error || "The job failed.";
  }

  function follow(jobId, options) {
    const opts = options || {};
    const box = document.querySelector('[data-job-id="' + CSS.escape(jobId) + '"]');
    const bar = resolve(opts.progress, box && box.querySelector("[data-job-progress]"));
    const status = resolve(opts.status, box && box.querySelector("[data-job-status]"));
    let delay = FIRST_DELAY;
    let failures = 0;
    let timer = null;
    let stopped = false;
    let lastText = "";

    function show(job) {
      if (bar) {
        if (job.total > 0) {
          bar.max = job.total;
          bar.value = Math.min(job.done, job.total);
        } else if (job.status === "done") {
          bar.max = 1;
          bar.value = 1;
        } else {
          bar.removeAttribute("value"); // indeterminate while the total is unknown
        }
        bar.setAttribute("aria-valuetext", describe(job));
      }
      const text = describe(job);
      if (status && text !== lastText) status.textContent = text;
      lastText = text;
    }

    function finish(callback, ...args) {
      stopped = true;
      if (callback) callback(...args);
    }

    async function poll() {
      timer = null;
      if (stopped) return;
      let result;
      try {
        result = await window.bw.api("GET", "/api/v1/jobs/" + encodeURIComponent(jobId));
      } catch (e) {
        result = { ok: false, status: 0, body: null };
      }
      if (stopped) return;
      if (result.ok) {
        failures = 0;
        const job = result.body;
        show(job);
        if (job.status === "done") return finish(opts.onDone, job);
        if (job.status === "failed") return finish(opts.onError, describe(job), job);
        if (opts.onProgress) opts.onProgress(job);
      } else if (result.status === 0 || result.status >= 500) {
        failures += 1; // the network or the server hiccuped: keep trying for a while
        if (failures >= MAX_NETWORK_FAILURES) {
          const message = "We lost touch with the server. Reload the page to see how the job is doing.";
          if (status) status.textContent = message;
          return finish(opts.onError, message, null);
        }
      } else {
        const message = window.bw.problem(result);
        if (status) status.textContent = message;
        return finish(opts.onError, message, null);
      }
      timer = window.setTimeout(poll, delay);
      delay = Math.min(MAX_DELAY, Math.round(delay * GROWTH));
    }

    poll();
    return {
      stop() {
        stopped = true;
        if (timer !== null) window.clearTimeout(timer);
      },
    };
  }

  /** Follow every [data-job-id] element of the page whose job is not finished; go on to its data-done-url when it ends. */
  function attach() {
    for (const box of document.querySelectorAll("[data-job-id]")) {
      if (box.dataset.jobFinished === "true") continue;
      const next = () => {
        if (box.dataset.doneUrl) window.location.assign(box.dataset.doneUrl);
        else window.location.reload();
      };
      follow(box.dataset.jobId, {
        onDone: (job) => { window.bw.announce(describe(job)); next(); },
        onError: (message, job) => { window.bw.announce(message); if (job) next(); },
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach);
  else attach();

  return { follow, attach, describe };
})();
