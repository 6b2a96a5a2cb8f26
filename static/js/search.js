// Progressive enhancement of the search page: filters apply as soon as they change, results are
// swapped in place, and the address bar keeps a shareable URL. Without JavaScript the form still works.
(function () {
  // The filters sit in a "Filters" control (closed on phones); on wide screens they are simply open.
  var toggle = document.getElementById("filters");
  if (toggle && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) toggle.open = true;
  var form = document.getElementById("search-form");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch || !window.URLSearchParams) return;
  var apply = form.querySelector(".apply");
  if (apply) apply.hidden = true;
  var pending = null;

  function query() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (params.getAll(key).every(function (v) { return v === ""; })) params.delete(key);
    });
    if (params.get("sort") === "relevance") params.delete("sort");
    return params.toString();
  }

  function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    results.setAttribute("aria-busy", "true");
    fetch(url, {headers: {"HX-Request": "true"}, signal: pending.signal})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        results.innerHTML = html;
        results.removeAttribute("aria-busy");
        if (push) history.pushState({}, "", url);
      })
      .catch(function (error) { if (error.name !== "AbortError") window.location.href = url; });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "q") return;
    load(form.action + "?" + query(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // A new search reloads the whole page so the facets match the new results.
    window.location.href = form.action + "?" + query();
  });
  results.addEventListener("click", function (event) {
    var link = event.target.closest(".pager a, .chips a");
    if (!link) return;
    event.preventDefault();
    window.location.href = link.href;
  });
  window.addEventListener("popstate", function () { window.location.reload(); });
})();
