// Linxuan's small script. Pages work without it; it only adds comfort.
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Buttons that submit a different form action: <button data-confirm="…" formaction=…>.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () {
        button.setAttribute("data-copied", "1");
      });
    } else if (source.select) {
      source.select();
      document.execCommand("copy");
    }
  });

  // Show the chosen file's name next to a file input.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "file" && input.dataset.nameTarget) {
      var target = document.getElementById(input.dataset.nameTarget);
      if (target) target.textContent = input.files.length ? input.files[0].name : "";
    }
  });
})();

// Uploads with a progress bar. The form's action carries a key, so sending it again after a
// dropped connection finds the first attempt instead of making a duplicate; we retry a few
// times by ourselves before asking the person to press the button again.
(function () {
  "use strict";
  var RETRIES = 3;

  function send(form, attempt) {
    var status = form.querySelector(".upload-status");
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var percent = form.querySelector(".upload-percent");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var p = Math.floor((e.loaded / e.total) * 100);
      bar.value = p;
      percent.textContent = p + "%";
    };
    xhr.onload = function () {
      var reply = null;
      try { reply = JSON.parse(xhr.responseText); } catch (err) { reply = null; }
      if (xhr.status >= 200 && xhr.status < 300 && reply && reply.ok) {
        status.textContent = reply.message;
        var target = new URL(reply.redirect, window.location.href);
        if (target.pathname === window.location.pathname && target.search === window.location.search) {
          // Only the fragment differs: assigning would just scroll, so reload to show the file.
          window.location.hash = target.hash;
          window.location.reload();
        } else {
          window.location.assign(target.href);
        }
        return;
      }
      button.disabled = false;
      box.hidden = true;
      status.className = "upload-status field-error";
      status.textContent = reply && reply.message ? reply.message : (form.getAttribute("data-failed") || "Upload failed (" + xhr.status + ")");
    };
    xhr.onerror = xhr.ontimeout = function () {
      if (attempt < RETRIES) {
        status.textContent = (document.documentElement.lang === "en" ? "Connection lost, retrying… " : "連線中斷，重新傳送中… ") + (attempt + 1);
        window.setTimeout(function () { send(form, attempt + 1); }, 1000 * (attempt + 1));
        return;
      }
      button.disabled = false;
      status.className = "upload-status field-error";
      status.textContent = document.documentElement.lang === "en"
        ? "The connection keeps dropping. Press the button again when you are back online; nothing will be duplicated."
        : "連線一直中斷。恢復連線後請再按一次上傳，不會重複。";
    };
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload") || !window.FormData || event.defaultPrevented) return;
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    event.preventDefault();
    form.querySelector(".upload-progress").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    var status = form.querySelector(".upload-status");
    status.className = "upload-status";
    status.textContent = input.files[0].name;
    send(form, 0);
  });
})();

// Forms that must never lose what was typed (<form data-keep="key" data-saved-at="stamp">):
// every change is kept in this browser until the form is sent, and brought back if the page is
// opened again before that (a closed tab, a dead battery, a session that expired). The stamp is
// the server's version of what the form shows; a kept copy is brought back only if it was made
// on top of that same version, so an older copy on this device never hides newer work saved
// from another device. (Stamps, not clocks: the device's clock may be wrong.)
(function () {
  "use strict";
  if (!window.localStorage) return;
  var forms = document.querySelectorAll("form[data-keep]");
  Array.prototype.forEach.call(forms, function (form) {
    var key = "linxuan:" + form.getAttribute("data-keep");
    function stamp() {
      return form.getAttribute("data-saved-at") || "0";
    }
    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.name !== "_csrf" && el.type !== "hidden" && el.type !== "submit" && el.type !== "file";
      });
    }
    function snapshot() {
      var values = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          values[el.name + "=" + el.value] = el.checked;
        } else {
          values[el.name] = el.value;
        }
      });
      return values;
    }
    var kept = null;
    try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    var hasErrors = document.querySelector(".problems");
    if (kept && kept.base === stamp() && !hasErrors) {
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          var v = kept.values[el.name + "=" + el.value];
          if (typeof v === "boolean") el.checked = v;
        } else if (typeof kept.values[el.name] === "string") {
          el.value = kept.values[el.name];
        }
      });
      var note = form.querySelector(".keep-note");
      if (note) note.hidden = false;
    }
    function keep() {
      window.localStorage.setItem(key, JSON.stringify({ at: Date.now(), base: stamp(), values: snapshot() }));
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    // The server saved a draft (autosave): what is kept now builds on that version.
    form.addEventListener("linxuan:saved", keep);
    form.addEventListener("submit", function () {
      window.localStorage.removeItem(key);
    });
  });
})();

// Scoring pages save a draft on the server a few seconds after the reviewer stops typing
// (<form data-autosave="URL">), as well as keeping it in the browser.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) return;
  var status = form.querySelector(".autosave-status");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var timer = null;
  function save() {
    var data = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "_csrf" || el.type === "submit") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      data.append(el.name, el.value);
    });
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
      body: data.toString(),
      credentials: "same-origin",
    }).then(function (r) { return r.json(); }).then(function (reply) {
      if (status) status.textContent = reply.message || "";
      if (reply.saved_at) {
        form.setAttribute("data-saved-at", reply.saved_at);
        form.dispatchEvent(new CustomEvent("linxuan:saved"));
      }
    }).catch(function () {
      if (status) status.textContent = document.documentElement.lang === "en"
        ? "Not saved on the server yet (offline?); it is kept in this browser."
        : "尚未存到伺服器（可能離線），已暫存在這台裝置。";
    });
  }
  form.addEventListener("input", function () {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(save, 2000);
  });
  // Sending the form supersedes any pending draft.
  form.addEventListener("submit", function () {
    if (timer) window.clearTimeout(timer);
    timer = null;
  });
})();

// The scoring page's running total (<form data-total="URL">): a moment after each change the
// server, which owns the rules (richness scaled from the indicators, the computed timeliness),
// says where the score stands; nothing is saved by it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-total]");
  if (!form || !window.fetch) return;
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var timer = null;
  var asked = 0;
  function ask() {
    var data = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "_csrf" || el.type === "submit") return;
      if (el.name.indexOf("c.") !== 0 && el.name.indexOf("i.") !== 0) return;
      data.append(el.name, el.value);
    });
    var mine = ++asked;
    fetch(form.getAttribute("data-total"), {
      method: "POST",
      headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
      body: data.toString(),
      credentials: "same-origin",
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (reply) {
      if (!reply || mine !== asked) return;
      (reply.parts || []).forEach(function (text, i) {
        var cell = form.querySelector('[data-running-part="' + i + '"]');
        if (cell) cell.textContent = text;
      });
      var total = form.querySelector(".running-total strong");
      if (total) total.textContent = reply.total;
      Array.prototype.forEach.call(form.querySelectorAll(".running-compact"), function (el) { el.textContent = reply.total; });
    }).catch(function () { /* offline: the numbers catch up with the next change */ });
  }
  form.addEventListener("input", function (e) {
    if (!e.target.name || (e.target.name.indexOf("c.") !== 0 && e.target.name.indexOf("i.") !== 0)) return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  });
})();

// Live pages (<… data-live="URL" data-stamp="…">): ask twice a second whether anything changed,
// and reload when it has, so a score is on the office's board within a second of its submission
// (bench/presentation_day.py measures it). Cheap for the server: the answer is a short
// fingerprint, and a hidden tab does not ask. A reload never throws away what someone is typing
// (a tie decision's reason): while a form on the page has been edited, a button offers the
// reload instead. Sections opened (<details>) stay open across the reload.
(function () {
  "use strict";
  var el = document.querySelector("[data-live]");
  if (!el || !window.fetch) return;
  var url = el.getAttribute("data-live");
  var stamp = el.getAttribute("data-stamp");
  var key = "linxuan:open:" + window.location.pathname;
  var details = function () { return Array.prototype.slice.call(document.querySelectorAll("main details")); };
  try {
    var open = JSON.parse(window.sessionStorage.getItem(key) || "null");
    window.sessionStorage.removeItem(key);
    if (open) details().forEach(function (d, i) { if (open.indexOf(i) >= 0) d.open = true; });
  } catch (e) { /* storage unavailable: nothing to restore */ }
  var edited = false;
  document.addEventListener("input", function (e) { if (e.target.form) edited = true; });
  function reload() {
    try {
      var open = [];
      details().forEach(function (d, i) { if (d.open) open.push(i); });
      window.sessionStorage.setItem(key, JSON.stringify(open));
    } catch (e) { /* storage unavailable: the sections close */ }
    window.location.reload();
  }
  var offered = null;
  function offer() {
    if (offered) return;
    offered = document.createElement("button");
    offered.type = "button";
    offered.className = "secondary live-changed";
    offered.textContent = el.getAttribute("data-label-changed") || "↻";
    offered.addEventListener("click", reload);
    var box = document.createElement("p");
    box.setAttribute("role", "status");
    box.appendChild(offered);
    el.parentNode.insertBefore(box, el.nextSibling);
  }
  window.setInterval(function () {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : stamp; })
      .then(function (now) {
        if (!now || now === stamp) return;
        if (edited) offer(); else reload();
      })
      .catch(function () {});
  }, 500);
})();

// Presentation timers (<div data-timer="seconds">): a countdown per presentation that the
// reviewer starts and pauses; past zero it counts the overtime in red. Time is measured from
// the clock, not by counting ticks, so a busy tablet does not drift.
(function () {
  "use strict";
  function format(seconds) {
    var s = Math.abs(seconds);
    var text = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    return seconds < 0 ? "+" + text : text;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-timer]"), function (box) {
    var total = parseInt(box.getAttribute("data-timer"), 10) || 0;
    var display = box.querySelector(".timer-display");
    var start = box.querySelector("[data-timer-start]");
    var reset = box.querySelector("[data-timer-reset]");
    var used = 0; // milliseconds counted before the current run
    var since = null; // when the current run started
    var tick = null;
    function left() {
      var ms = used + (since === null ? 0 : Date.now() - since);
      return total - Math.floor(ms / 1000);
    }
    function show() {
      var l = left();
      display.textContent = format(l) + (l < 0 ? " " + box.getAttribute("data-label-over") : "");
      box.classList.toggle("over", l < 0);
      box.classList.toggle("last-minute", l >= 0 && l <= 60);
    }
    start.addEventListener("click", function () {
      if (since === null) {
        since = Date.now();
        tick = window.setInterval(show, 250);
        start.textContent = box.getAttribute("data-label-pause");
        box.classList.add("running");
      } else {
        used += Date.now() - since;
        since = null;
        window.clearInterval(tick);
        start.textContent = box.getAttribute("data-label-start");
        box.classList.remove("running");
      }
      show();
    });
    reset.addEventListener("click", function () {
      if (since !== null) start.click();
      used = 0;
      show();
    });
  });
})();
