// Suggestions as you type in the search boxes (inputs with data-suggest): crops, communes, organisations and
// products from GET /search/suggest, which matches as the search does (without marks, Telex, VNI, typos).
// Progressive enhancement: without JavaScript the box is a plain search form. Arrow keys move through the
// list, Enter opens the chosen suggestion (or searches the text when none is chosen), Escape closes it.
(function () {
  if (!window.fetch || !window.URLSearchParams) return;
  var counter = 0;

  function attach(input) {
    var url = input.getAttribute("data-suggest");
    var list = document.createElement("ul");
    var id = "suggest-" + (++counter);
    var timer = null, pending = null, items = [], active = -1;
    list.id = id;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.classList.add("has-suggestions");
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "false");

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function show(suggestions) {
      items = suggestions;
      list.textContent = "";
      if (!items.length) { close(); return; }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        var kind = document.createElement("span");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        link.href = item.url;
        link.tabIndex = -1;
        link.textContent = item.label;
        kind.className = "muted small";
        kind.textContent = " · " + item.kind_label;
        link.appendChild(kind);
        li.appendChild(link);
        list.appendChild(li);
      });
      list.hidden = false;
      active = -1;
      input.setAttribute("aria-expanded", "true");
    }

    function load() {
      var text = input.value.trim();
      if (pending) pending.abort();
      if (text.length < 2) { close(); return; }
      pending = new AbortController();
      fetch(url + "?" + new URLSearchParams({q: text}).toString(), {signal: pending.signal})
        .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
        .then(function (body) { show(body.suggestions || []); })
        .catch(function () { /* aborted or offline: the form still searches */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;  // -1: back in the box, nothing chosen
        if (next >= items.length) next = -1;
        if (next < -1) next = items.length - 1;
        choose(next);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = items[active].url;
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
