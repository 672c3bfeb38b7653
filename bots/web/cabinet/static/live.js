// Live updates for the shell (bots/web/cabinet/live.py): htmx's SSE extension keeps the stream
// open across navigations and swaps task toasts in; this script follows availability events:
// my own moves the shell's switch, anyone's updates elements marked data-availability-of.
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
    source.addEventListener("resync", function () { document.dispatchEvent(new CustomEvent("vats:resync")); });
    document.getElementById("live").dataset.open = "true";
  });
})();
