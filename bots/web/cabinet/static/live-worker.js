// One live-updates stream (GET /cabinet/events, bots/web/cabinet/live.py) for every open cabinet
// tab of this browser. Browsers open at most six HTTP/1.1 connections to one host, and a stream
// holds one for as long as its page is open: a stream per tab left the seventh tab waiting for
// ever. This shared worker holds the one stream and hands each event to every tab (live.js).
"use strict";

// The stream's event names (live.py's docstring lists them).
var EVENTS = ["hello", "availability", "my-availability", "task", "line", "resync"];
var ports = [];
var source = null;

function broadcast(message) {
  ports.forEach(function (port) { port.postMessage(message); });
}

function connect() {
  // A stream the server ended for good (signed out, suspended) is replaced by the next page's.
  if (source && source.readyState !== EventSource.CLOSED) { return; }
  source = new EventSource("/cabinet/events");
  source.onopen = function () { broadcast({ type: "open" }); };
  source.onerror = function () { broadcast({ type: source.readyState === EventSource.CLOSED ? "closed" : "retrying" }); };
  EVENTS.forEach(function (name) {
    source.addEventListener(name, function (message) { broadcast({ type: name, data: message.data }); });
  });
  // A plugin's kinds come unnamed, with their kind inside.
  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    broadcast({ type: event.kind, data: JSON.stringify(event.data) });
  };
}

self.onconnect = function (event) {
  var port = event.ports[0];
  ports.push(port);
  port.onmessage = function (message) {
    if (message.data !== "bye") { return; }
    ports = ports.filter(function (p) { return p !== port; });
    if (!ports.length && source) { source.close(); source = null; }
  };
  port.start();
  connect();
  if (source.readyState === EventSource.OPEN) { port.postMessage({ type: "open" }); }
};
