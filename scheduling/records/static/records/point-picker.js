// Point picker: type-ahead over codes and names for the comma-separated points field.
// Without this script the field still works: the server normalises the codes and explains errors.
(function () {
  "use strict";

  function lastToken(value) {
    var parts = value.split(",");
    return parts[parts.length - 1].trim();
  }

  function replaceLastToken(value, code) {
    var parts = value.split(",");
    parts[parts.length - 1] = " " + code;
    return parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
  }

  function setUp(input) {
    var url = input.getAttribute("data-point-picker");
    var list = document.createElement("div");
    list.className = "list-group position-absolute z-3 shadow-sm d-none w-100 point-suggestions";
    list.setAttribute("role", "listbox");
    list.id = input.id + "_suggestions";
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.insertAdjacentElement("afterend", list);
    var active = -1;
    var pending = null;

    function items() { return list.querySelectorAll("button"); }

    function close() { list.classList.add("d-none"); list.innerHTML = ""; active = -1; }

    function highlight(index) {
      var buttons = items();
      buttons.forEach(function (b, i) { b.classList.toggle("active", i === index); });
      active = index;
    }

    function choose(code) {
      input.value = replaceLastToken(input.value, code);
      close();
      input.focus();
    }

    function show(results) {
      list.innerHTML = "";
      if (!results.length) { close(); return; }
      results.forEach(function (point) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "list-group-item list-group-item-action py-1";
        button.setAttribute("role", "option");
        button.textContent = point.label;
        button.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(point.code);
        });
        list.appendChild(button);
      });
      list.classList.remove("d-none");
      active = -1;
    }

    input.addEventListener("input", function () {
      var query = lastToken(input.value);
      if (!query) { close(); return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal,
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { show(body.results); })
        .catch(function () {});
    });

    input.addEventListener("keydown", function (event) {
      var buttons = items();
      // Enter in the points field takes the highlighted suggestion only (arrow keys choose
      // one): "huan" must not become whichever point happens to be listed first. It never
      // submits the whole session record by accident.
      if (event.key === "Enter") {
        event.preventDefault();
        if (active >= 0 && buttons[active]) {
          buttons[active].dispatchEvent(new MouseEvent("mousedown"));
        }
        return;
      }
      if (!buttons.length) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, buttons.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("input[data-point-picker]").forEach(setUp);

  // "Same points as last time": fill the field in place instead of reloading the page.
  document.querySelectorAll("[data-same-points]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var input = document.querySelector("input[data-point-picker]");
      if (!input) { return; }
      event.preventDefault();
      input.value = link.getAttribute("data-same-points");
      input.focus();
    });
  });
})();
