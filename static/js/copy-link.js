/*
 * "Copy link" buttons: <button data-copy-target="input-id" hidden>. The input stays
 * selectable without JavaScript; with it, the button appears and copies the input's value.
 */
(function () {
  "use strict";

  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.select();
    // Older browsers and plain-HTTP pages: the selection lets the user copy it by hand too.
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copyTarget);
    if (!input) {
      return;
    }
    var status = button.parentElement.querySelector("[data-copy-status]");
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(input).then(
        function () {
          button.textContent = button.dataset.copiedText || label;
          if (status) {
            status.textContent = button.dataset.copiedText || "";
          }
          window.setTimeout(function () {
            button.textContent = label;
          }, 3000);
        },
        function () {
          input.focus();
          input.select();
        }
      );
    });
  });
})();
