// Starts swagger-ui on /api/v1/docs (web/templates/swagger_ui.html) from the settings the page carries as JSON,
// so the page needs no inline script under the Content-Security-Policy (api/headers.py).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-ui-settings").textContent);
  window.ui = window.SwaggerUIBundle(settings);
})();
