// Live updates for the shell (bots/web/cabinet/live.py): htmx's SSE extension keeps the stream
// open across navigations and swaps task toasts in; this script follows availability events
// (my own moves the shell's switch, anyone's updates elements marked data-availability-of) and
// SIP lines' status (elements marked data-line-of="<login>" get data-registered, data-state).
(function () {
  "use strict";
  function availability(message, mine) {
    var change = JSON.parse(message.data);
    if (mine) {
      var form = document.getElementById("availability");
      var radio = document.getElementById("availability-" + change.mode);
      if (form) { form.dataset.mode = change.mode; }
      if (radio) { radio.checked = true; }
      return;
    }
    document.querySelectorAll('[data-availability-of="' + change.employee_id + '"]').forEach(function (el) {
      el.dataset.mode = change.mode;
    });
    document.dispatchEvent(new CustomEvent("vats:availability", { detail: change }));
  }
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail.source;
    if (source.vatsLive) { return; }
    source.vatsLive = true;
    source.addEventListener("my-availability", function (m) { availability(m, true); });
    source.addEventListener("availability", function (m) { availability(m, false); });
    source.addEventListener("line", function (m) {
      var line = JSON.parse(m.data);  // a SIP line registered or gone, in use, ringing...
      document.querySelectorAll('[data-line-of="' + line.sip_login + '"]').forEach(function (el) {
        el.dataset.registered = String(line.registered);
        el.dataset.state = line.state || "";
      });
      document.dispatchEvent(new CustomEvent("vats:line", { detail: line }));
    });
    source.addEventListener("resync", function () { document.dispatchEvent(new CustomEvent("vats:resync")); });
    document.getElementById("live").dataset.open = "true";
  });
})();
