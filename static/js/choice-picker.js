// A search box above a list of checkboxes (backoffice.widgets.ChoicePicker): typing narrows
// the list to the choices whose name contains the words typed; ticked choices stay in view.
// Without this script the whole list shows, which works just as well.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
  }

  function enhance(picker) {
    if (picker.dataset.enhanced) return;
    picker.dataset.enhanced = "1";
    var items = Array.prototype.slice.call(picker.querySelectorAll("li"));
    var id = (picker.id || "choices") + "-filter";

    var label = document.createElement("label");
    label.className = "choice-filter";
    label.htmlFor = id;
    label.textContent = picker.dataset.filterLabel || "Find";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", id + "-status");
    label.appendChild(input);

    var status = document.createElement("p");
    status.className = "help";
    status.id = id + "-status";
    status.setAttribute("aria-live", "polite"); // announced, without being the page's status message

    picker.insertBefore(status, picker.firstChild);
    picker.insertBefore(label, status);

    function update() {
      var words = normalise(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var box = item.querySelector("input");
        var name = normalise(item.textContent);
        var match = words.every(function (word) { return name.indexOf(word) !== -1; });
        item.hidden = !(match || (box && box.checked));
        if (!item.hidden) shown += 1;
      });
      status.textContent = words.length ? shown + " of " + items.length + " shown" : "";
    }

    input.addEventListener("input", update);
    // Enter in the search box narrows the list; it must not submit the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".choice-picker"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
