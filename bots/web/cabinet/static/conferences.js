// A conference room's page follows who is in the room (bots/web/cabinet/areas/conferences.py):
// the shell's live stream (live.js) brings "conference" events naming the room; htmx then reads
// the room's section again. A lost stream ("resync") reads it again too.
(function () {
  "use strict";
  function refresh(roomId) {
    if (window.htmx) { window.htmx.trigger(document.body, "vats-conference-" + roomId); }
  }
  document.addEventListener("vats:live", function (event) {
    if (event.detail.kind !== "conference") { return; }
    var change = JSON.parse(event.detail.data);
    var section = document.getElementById("conference-live");
    if (section && section.dataset.room === change.room_id) { refresh(change.room_id); }
    else if (document.querySelector('[data-people-of="' + change.room_id + '"]')) { window.location.reload(); }
  });
  document.addEventListener("vats:resync", function () {
    var section = document.getElementById("conference-live");
    if (section) { refresh(section.dataset.room); }
  });
})();
