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
