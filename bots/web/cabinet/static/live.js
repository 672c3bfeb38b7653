// Live updates for the shell (bots/web/cabinet/live.py). The events come from one stream shared
// by all of this browser's cabinet tabs (live-worker.js); where a browser has no shared workers,
// the tab opens a stream of its own. Task toasts go into #live-tasks; availability events move
// my own switch and update elements marked data-availability-of; SIP lines' status marks
// elements data-line-of="<login>" (data-registered, data-state).
(function () {
  "use strict";
  var EVENTS = ["hello", "availability", "my-availability", "task", "line", "resync"];

  function availability(data, mine) {
    var change = JSON.parse(data);
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

  function deliver(type, data) {
    var live = document.getElementById("live");
    if (!live) { return; }
    // Every event, for a plugin's page: document.addEventListener("vats:live", e => e.detail.kind ...).
    document.dispatchEvent(new CustomEvent("vats:live", { detail: { kind: type, data: data } }));
    if (type === "open") { live.dataset.open = "true"; }
    else if (type === "closed") { delete live.dataset.open; }
    else if (type === "my-availability") { availability(data, true); }
    else if (type === "availability") { availability(data, false); }
    else if (type === "task") {
      // The server escapes every value in the toast's HTML (live.py).
      var tasks = document.getElementById("live-tasks");
      tasks.insertAdjacentHTML("afterbegin", data);
      if (window.htmx) { window.htmx.process(tasks.firstElementChild); }
    } else if (type === "line") {
      var line = JSON.parse(data);  // a SIP line registered or gone, in use, ringing...
      document.querySelectorAll('[data-line-of="' + line.sip_login + '"]').forEach(function (el) {
        el.dataset.registered = String(line.registered);
        el.dataset.state = line.state || "";
      });
      document.dispatchEvent(new CustomEvent("vats:line", { detail: line }));
    } else if (type === "resync") { document.dispatchEvent(new CustomEvent("vats:resync")); }
  }

  if (window.SharedWorker) {
    var worker = new SharedWorker("/cabinet/static/live-worker.js", { name: "vats-live" });
    worker.port.onmessage = function (message) { deliver(message.data.type, message.data.data); };
    worker.port.start();
    window.addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  } else {
    var source = new EventSource("/cabinet/events");
    source.onopen = function () { deliver("open"); };
    EVENTS.forEach(function (name) {
      source.addEventListener(name, function (message) { deliver(name, message.data); });
    });
    source.onmessage = function (message) {
      var event = JSON.parse(message.data);
      deliver(event.kind, JSON.stringify(event.data));
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
