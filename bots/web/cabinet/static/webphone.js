// The webphone: the signed-in employee's own SIP line, in the cabinet's shell (JsSIP over a
// WebSocket to /cabinet/webphone/ws, which vats passes to Asterisk; media DTLS-SRTP straight
// to Asterisk). The shell stays while htmx swaps #main, so a call goes on across navigation.
// It registers only after the employee switched it on (remembered in this browser).
(function () {
  "use strict";
  var root = document.getElementById("webphone");
  if (!root || window.vatsWebphone) return;
  var T = JSON.parse(document.getElementById("webphone-texts").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var toggle = $("webphone-toggle"), panel = $("webphone-panel"), statusLine = $("webphone-status");
  var switchButton = $("webphone-switch"), dialForm = $("webphone-dial"), numberInput = $("webphone-number");
  var controls = $("webphone-controls"), muteButton = $("webphone-mute"), holdButton = $("webphone-hold");
  var incoming = $("webphone-incoming"), audio = $("webphone-audio");
  var STORE = "vats-webphone";
  // Where browsers reach Asterisk's RTP ports directly (a LAN) no outside server is asked; behind
  // NAT the operator names STUN/TURN servers (VATS_WEBPHONE_ICE_SERVERS), handed out with the line.
  function peerConfig() { return {iceServers: (line && line.ice_servers) || []}; }

  var ua = null, session = null, line = null, who = "", timings = {};
  var api = window.vatsWebphone = {
    get ua() { return ua; }, get session() { return session; }, timings: timings,
    state: function () { return root.dataset.state; },
    call: function (number) { return call(number); },
  };

  function say(key, values) {
    var text = T[key] || key;
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function show(state, text) {
    root.dataset.state = state;
    statusLine.textContent = text;
  }
  function open(yes) {
    panel.hidden = !yes;
    toggle.setAttribute("aria-expanded", yes ? "true" : "false");
  }
  toggle.addEventListener("click", function () { open(panel.hidden); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { open(false); toggle.focus(); }
  });

  // Browsers give the microphone only to a secure origin (HTTPS, or localhost): say so, plainly.
  var problem = !window.isSecureContext || !navigator.mediaDevices ? "insecure"
    : !window.RTCPeerConnection || !window.JsSIP ? "unsupported" : null;
  if (problem) {
    show("unavailable", say(problem));
    switchButton.hidden = true;
    dialForm.hidden = true;
    $("webphone-keypad").hidden = true;
    return;
  }

  function sipUri(number) {
    var user = String(number).replace(/[\s()\-]/g, "");
    return "sip:" + encodeURIComponent(user).replace(/%2B/g, "+") + "@" + location.hostname;
  }

  function start() {
    switchButton.textContent = T.off;
    switchButton.setAttribute("aria-pressed", "true");
    show("connecting", T.st_connecting);
    return fetch("/cabinet/webphone/line", {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) {
        if (r.status === 404) { show("no-line", T.st_no_line); return null; }
        if (!r.ok) throw new Error("line " + r.status);
        return r.json();
      })
      .then(function (found) {
        if (!found) return;
        line = found;
        var scheme = location.protocol === "https:" ? "wss://" : "ws://";
        var socket = new JsSIP.WebSocketInterface(scheme + location.host + line.socket);
        ua = new JsSIP.UA({
          sockets: [socket], uri: sipUri(line.login), password: line.password, display_name: line.display_name,
          register: true, register_expires: 300, session_timers: false, user_agent: "vats-webphone",
        });
        ua.on("registered", function () { if (!session) show("ready", T.st_ready); });
        ua.on("unregistered", function () { if (ua) show("connecting", T.st_connecting); });
        ua.on("registrationFailed", function () { show("failed", T.st_failed); });
        ua.on("disconnected", function () { if (ua && !session) show("failed", T.st_failed); });
        ua.on("newRTCSession", onSession);
        ua.start();
      })
      .catch(function () { show("failed", T.st_failed); });
  }

  // Unregister and close the socket; resolves when Asterisk confirmed or after a second.
  function stop() {
    var current = ua;
    ua = null; line = null;
    switchButton.textContent = T.on;
    switchButton.setAttribute("aria-pressed", "false");
    show("off", T.st_off);
    if (!current) return Promise.resolve();
    return new Promise(function (resolve) {
      var done = function () { try { current.stop(); } catch (e) { /* already stopped */ } resolve(); };
      if (!current.isRegistered()) return done();
      current.on("unregistered", done);
      setTimeout(done, 1000);
      current.unregister();
    });
  }

  switchButton.addEventListener("click", function () {
    if (ua) { localStorage.removeItem(STORE); stop(); }
    else { localStorage.setItem(STORE, "on"); start(); }
  });

  // --- calls -----------------------------------------------------------------------------

  function inCall(yes) {
    controls.hidden = !yes;
    dialForm.hidden = yes;
    switchButton.hidden = yes;
    if (!yes) {
      muteButton.setAttribute("aria-pressed", "false");
      holdButton.setAttribute("aria-pressed", "false");
    }
  }

  function attachAudio(pc) {
    pc.addEventListener("track", function (event) {
      if (event.streams && event.streams[0]) audio.srcObject = event.streams[0];
    });
  }

  function follow(s) {
    session = s;
    if (s.direction === "outgoing") { inCall(true); open(true); }
    else s.on("accepted", function () { incoming.hidden = true; inCall(true); open(true); });
    if (s.connection) attachAudio(s.connection);
    s.on("peerconnection", function (e) { attachAudio(e.peerconnection); });
    s.on("progress", function () {
      if (!timings.ringing) timings.ringing = performance.now();
      if (s.direction === "outgoing") show("ringing", say("st_ringing", {who: who}));
    });
    s.on("accepted", function () { timings.accepted = performance.now(); });
    s.on("confirmed", function () { show("talking", say("st_talking", {who: who})); });
    s.on("hold", function () { show("held", say("st_on_hold", {who: who})); });
    s.on("unhold", function () { show("talking", say("st_talking", {who: who})); });
    s.on("ended", function () { finish(s.vatsTransferredTo ? say("st_transferred", {who: s.vatsTransferredTo}) : T.st_ended); });
    s.on("failed", function (e) {
      var reason = e.cause || "";
      if (reason === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS) finish(T.st_no_mic);
      else finish(e.originator === "local" ? T.st_ended : say("st_missed", {reason: reason}));
    });
  }

  function finish(text) {
    session = null;
    incoming.hidden = true;
    inCall(false);
    audio.srcObject = null;
    show(ua && ua.isRegistered() ? "ready" : "connecting", text);
  }

  function call(number) {
    number = String(number || "").trim();
    if (!number || session) return false;
    if (!ua) { open(true); return false; }
    who = number;
    timings = api.timings = {clicked: performance.now()};
    show("calling", say("st_calling", {who: who}));
    open(true);
    ua.call(sipUri(number), {
      mediaConstraints: {audio: true, video: false}, pcConfig: peerConfig(), rtcOfferConstraints: {offerToReceiveAudio: true},
      eventHandlers: {},
    });
    return true;
  }

  dialForm.addEventListener("submit", function (event) {
    event.preventDefault();
    call(numberInput.value);
  });

  function onSession(event) {
    var s = event.session;
    if (event.originator === "local") { follow(s); return; }
    if (session) { s.terminate({status_code: 486}); return; } // one call at a time: busy
    var number = s.remote_identity.uri.user;
    var name = s.remote_identity.display_name || "";
    who = name || number;
    $("webphone-incoming-name").textContent = name;
    $("webphone-incoming-number").textContent = number;
    incoming.hidden = false;
    follow(s);
    show("incoming", say("st_incoming", {who: who}));
    // the caller's contact name, when the CRM knows the number better than the caller's own
    fetch("/cabinet/webphone/caller?number=" + encodeURIComponent(number), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (found && found.name && session === s) {
          $("webphone-incoming-name").textContent = found.name;
          who = found.name;
        }
      })
      .catch(function () { /* the number alone still shows */ });
  }

  $("webphone-answer").addEventListener("click", function () {
    if (!session) return;
    incoming.hidden = true;
    session.answer({mediaConstraints: {audio: true, video: false}, pcConfig: peerConfig()});
  });
  $("webphone-decline").addEventListener("click", function () {
    if (session) session.terminate({status_code: 486});
  });
  $("webphone-hangup").addEventListener("click", function () { if (session) session.terminate(); });
  muteButton.addEventListener("click", function () {
    if (!session) return;
    var muted = session.isMuted().audio;
    if (muted) session.unmute({audio: true}); else session.mute({audio: true});
    muteButton.setAttribute("aria-pressed", muted ? "false" : "true");
  });
  holdButton.addEventListener("click", function () {
    if (!session) return;
    var held = session.isOnHold().local;
    if (held) session.unhold(); else session.hold();
    holdButton.setAttribute("aria-pressed", held ? "false" : "true");
  });
  $("webphone-keypad").addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest("[data-key]");
    if (!key) return;
    if (session && session.isEstablished()) session.sendDTMF(key.dataset.key, {transportType: "RFC2833"});
    else { numberInput.value += key.dataset.key; numberInput.focus(); }
  });
  $("webphone-transfer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var target = $("webphone-transfer").value.trim();
    if (!session || !target) return;
    var s = session;
    s.refer(sipUri(target), {
      eventHandlers: {
        // Asterisk took the transfer: the other side now rings the target, this browser leaves
        accepted: function () {
          s.vatsTransferredTo = target;
          if (!s.isEnded()) s.terminate();
        },
        failed: function () { show("talking", say("st_talking", {who: who})); },
      },
    });
  });

  // Click-to-call from history, contacts and tasks goes through the webphone while it is on.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="tel:"]');
    if (!link || !ua) return;
    event.preventDefault();
    event.stopPropagation();
    call(decodeURIComponent(link.getAttribute("href").slice(4)));
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!ua) return;
    if (form.matches && form.matches('form[action="/cabinet/history/call"]') && form.elements.to) {
      event.preventDefault();
      event.stopPropagation();
      call(form.elements.to.value);
    } else if (form.matches && form.matches('form[action="/signout"]')) {
      // signing out unregisters first, so calls stop coming to this browser
      event.preventDefault();
      event.stopPropagation();
      localStorage.removeItem(STORE);
      stop().then(function () { HTMLFormElement.prototype.submit.call(form); });
    }
  }, true);

  window.addEventListener("beforeunload", function (event) {
    if (session) { event.preventDefault(); event.returnValue = T.leave; return T.leave; }
  });

  if (localStorage.getItem(STORE) === "on") start();
})();
