// The presentation day's desk: scans tickets with the camera (the browser's BarcodeDetector,
// else the vendored jsQR), or from a photo, and sends each scan with an id of its own. A scan
// that cannot be sent (no network) waits in this phone's storage and is sent when the network
// returns; the server counts a scan id once, so sending it again is harmless.
(function () {
  "use strict";
  var answer = document.getElementById("answer");
  if (!answer) return;
  var KEY = "linxuan-desk-queue";
  var kind = answer.getAttribute("data-kind") || "in";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var queueNote = document.getElementById("queue");
  var sending = false;

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The queue lives in memory and, so that a reload or a closed tab loses nothing, in this
  // phone's storage; memory is the truth (storage may be full or refused).
  var memory = (function () {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  })();
  function queue() { return memory.slice(); }
  function save(q) {
    memory = q;
    try { window.localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) { /* kept in memory */ }
  }
  function drop(id) { save(memory.filter(function (s) { return s.scan_id !== id; })); }

  function show(text, tone) {
    answer.textContent = text;
    answer.className = "desk-answer " + (tone || "");
  }

  function showQueue(offline) {
    var n = memory.length;
    if (!queueNote) return;
    if (n === 0) { queueNote.hidden = true; return; }
    queueNote.hidden = false;
    var text = queueNote.getAttribute("data-template").replace("{n}", String(n));
    if (offline) text = queueNote.getAttribute("data-offline") + " " + text;
    queueNote.textContent = text;
  }

  // What an error page says: its detail, else its title.
  function reason(body, status) {
    var doc = new DOMParser().parseFromString(body, "text/html");
    var detail = Array.prototype.find.call(doc.querySelectorAll("main p"), function (p) { return !p.querySelector("a"); });
    var title = doc.querySelector("h1");
    return (detail || title) ? (detail || title).textContent : String(status);
  }

  // Sends the waiting scans in order; stops at the first that cannot go (network down, the
  // server failing, the session gone). A scan leaves the queue only once the server has
  // answered it, or refused it for good (a bad request).
  function flush() {
    if (sending) return;
    var q = queue();
    if (!q.length) { showQueue(false); return; }
    sending = true;
    var scan = q[0];
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 10000) : null;
    fetch("/checkin/scan", {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      signal: abort ? abort.signal : undefined,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(scan)
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      return response.text().then(function (body) {
        sending = false;
        var json = null;
        if (response.ok) {
          try { json = JSON.parse(body); } catch (e) { json = null; }
        }
        if (json) {
          drop(scan.scan_id);
          show(json.text, json.tone);
          showQueue(false);
          flush();
        } else if (response.status === 400 || response.status === 404 || response.status === 422) {
          // Refused for good: said, and not sent again.
          drop(scan.scan_id);
          show(reason(body, response.status), "bad");
          showQueue(false);
          flush();
        } else {
          // Signed out, the form token gone, the server failing: the scans stay on the phone.
          show(response.status >= 500 ? reason(body, response.status) : answer.getAttribute("data-signin"), "bad");
          showQueue(true);
        }
      });
    }).catch(function () {
      if (timer) clearTimeout(timer);
      sending = false;
      showQueue(true);
    });
  }

  function enqueue(scan) {
    scan.scan_id = newId();
    scan.kind = kind;
    scan.at = new Date().toISOString();
    save(memory.concat([scan]));
    showQueue(false);
    flush();
  }

  // Hand check-in and typed codes go the same way as camera scans.
  document.querySelectorAll("form[data-scan]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var scan = {};
      if (data.get("registration")) scan.registration = parseInt(data.get("registration"), 10);
      if (data.get("ticket")) scan.ticket = String(data.get("ticket")).trim().toUpperCase();
      enqueue(scan);
      var input = form.querySelector('input[name="ticket"]');
      if (input) { input.value = ""; input.focus(); }
    });
  });

  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();

  // ---------------------------------------------------------------- reading QR codes
  var scanner = document.getElementById("scanner");
  var video = document.getElementById("camera");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var photo = document.getElementById("photo");
  var note = document.getElementById("camera-note");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;
  var stream = null;
  var last = { code: "", at: 0 };
  scanner.hidden = false;

  function ready() {
    if (detector !== null) return Promise.resolve(detector);
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        detector = formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : false;
        return detector;
      }, function () { detector = false; return false; });
    }
    detector = false;
    return Promise.resolve(false);
  }

  // The code in an image (a video frame, a photo), or null.
  function read(source, width, height) {
    return ready().then(function (d) {
      if (d) {
        return d.detect(source).then(function (found) { return found.length ? found[0].rawValue : null; });
      }
      if (!window.jsQR || !width || !height) return null;
      canvas.width = width;
      canvas.height = height;
      context.drawImage(source, 0, 0, width, height);
      var pixels = context.getImageData(0, 0, width, height);
      var found = window.jsQR(pixels.data, width, height, { inversionAttempts: "dontInvert" });
      return found ? found.data : null;
    });
  }

  function found(code) {
    code = String(code || "").trim().toUpperCase();
    if (!code) return;
    var now = Date.now();
    // The same ticket held in front of the camera is one scan, not thirty.
    if (code === last.code && now - last.at < 3000) return;
    last = { code: code, at: now };
    if (navigator.vibrate) navigator.vibrate(80);
    enqueue({ ticket: code });
  }

  function tick() {
    if (!stream) return;
    if (video.readyState >= 2) {
      read(video, video.videoWidth, video.videoHeight).then(function (code) {
        if (code) found(code);
        window.requestAnimationFrame(tick);
      }, function () { window.requestAnimationFrame(tick); });
    } else {
      window.requestAnimationFrame(tick);
    }
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      note.textContent = note.getAttribute("data-denied");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      startButton.hidden = true;
      stopButton.hidden = false;
      note.textContent = "";
      window.requestAnimationFrame(tick);
    }, function () {
      note.textContent = note.getAttribute("data-denied");
    });
  });

  stopButton.addEventListener("click", function () {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
  });

  // A photo of a ticket (the camera app, or a picture saved from the mail): read without a URL
  // of its own, which the page's content policy would refuse.
  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) return;
    window.createImageBitmap(file).then(function (bitmap) {
      return read(bitmap, bitmap.width, bitmap.height);
    }).then(function (code) {
      photo.value = "";
      if (code) { last = { code: "", at: 0 }; found(code); } else { show(note.getAttribute("data-noqr"), "bad"); }
    }, function () {
      show(note.getAttribute("data-noqr"), "bad");
    });
  });
})();
