// A report's page while the worker builds it: ask for the run's status every second, move
// the progress bar, and show the finished report (or the failure) once the run ends.
(function () {
  "use strict";
  var box = document.getElementById("report-progress");
  if (!box) { return; }
  var bar = document.getElementById("report-bar");
  var step = document.getElementById("report-step");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (run === null) { window.setTimeout(poll, 5000); return; }
        bar.value = run.progress;
        bar.textContent = run.progress + "%";
        if (run.step) { step.textContent = run.step; }
        if (run.status === "done" || run.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
