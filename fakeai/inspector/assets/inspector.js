// Live updates: every second, fetch this page as JSON; when its version changed, fetch the page
// and put its new #content in place (forms and focus outside #content are left alone). Each poll
// is one short request: nothing holds a server thread.
(function () {
  "use strict";
  var button = document.getElementById("live");
  var said = document.getElementById("live-status");
  var content = document.getElementById("content");
  if (!button || !content || location.protocol === "file:") { return; }
  var version = document.body.getAttribute("data-version");
  var on = sessionStorage.getItem("fakeai-live") !== "off";
  var busy = false;

  function show() {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Live updates: on" : "Live updates: off";
  }
  function url(format) {
    var address = new URL(location.href);
    if (format) { address.searchParams.set("format", format); }
    return address.toString();
  }
  function stop(reason) {
    on = false; show(); said.textContent = "Live updates stopped: " + reason;
  }
  function refresh() {
    return fetch(url(""), {headers: {"Accept": "text/html"}, cache: "no-store", credentials: "same-origin"})
      .then(function (answer) { return answer.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("content");
        if (!fresh) { return; }
        var open = Array.prototype.map.call(content.querySelectorAll("details[open][id]"), function (d) { return d.id; });
        content.innerHTML = fresh.innerHTML;
        open.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
        document.body.setAttribute("data-version", version);
      });
  }
  function poll() {
    if (!on || busy || document.hidden) { return; }
    busy = true;
    fetch(url("json"), {headers: {"Accept": "application/json"}, cache: "no-store", credentials: "same-origin"})
      .then(function (answer) {
        if (!answer.ok) { stop("the server answered " + answer.status + " (reload the page)"); return null; }
        return answer.json();
      })
      .then(function (data) {
        if (!data || data.version === version) { return; }
        version = data.version;
        return refresh();
      })
      .catch(function (error) { stop("the server cannot be reached (" + error.message + ")"); })
      .then(function () { busy = false; });
  }
  button.addEventListener("click", function () {
    on = !on; sessionStorage.setItem("fakeai-live", on ? "on" : "off"); said.textContent = ""; show();
  });
  button.hidden = false;
  show();
  setInterval(poll, 1000);
})();
