// Zones on a map with Leaflet (static/vendor/leaflet, copied from npm by scripts/bootstrap). Leaflet
// (about 45 kB) is fetched only when a map is shown: at once on wide screens, on a tap on phones. The
// page lists the same zones: without this script, Leaflet or the tiles, nothing is lost but the picture.
(function () {
  if (!document.querySelectorAll || !window.JSON) return;
  var maps = document.querySelectorAll(".map[data-points]");
  if (!maps.length) return;
  var colours = {certified: "#1f6f43", expired: "#a32020", none: "#5c6b63"};
  var loading = null;

  function loadLeaflet(element) {
    if (window.L) return Promise.resolve();
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = element.getAttribute("data-leaflet-css");
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = element.getAttribute("data-leaflet-js");
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
    return loading;
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }

  function draw(element, points) {
    points = points.filter(function (p) { return typeof p.lat === "number" && typeof p.lon === "number"; });
    if (!points.length) return;
    element.classList.add("map-ready");
    var map = L.map(element, {scrollWheelZoom: false});
    var tiles = element.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, {maxZoom: 18, attribution: text(element.getAttribute("data-attribution"))}).addTo(map);
    }
    var bounds = [];
    points.forEach(function (p) {
      var state = element.getAttribute("data-label-" + p.cert) || "";
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 8, weight: 2, color: "#fff", fillColor: colours[p.cert] || colours.none, fillOpacity: 0.9
      }).addTo(map);
      marker.bindPopup('<a href="' + text(p.url) + '">' + text(p.code) + "</a><br>" + text(p.crop) + " · " +
                       text(p.holder) + "<br>" + text(p.state_label) + " · " + text(state));
      marker.bindTooltip(text(p.code) + " · " + text(state));
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 12);
    else map.fitBounds(bounds, {padding: [20, 20], maxZoom: 13});
  }

  function show(element) {
    var points = [];
    try { points = JSON.parse(element.getAttribute("data-points") || "[]"); } catch (e) { return; }
    loadLeaflet(element).then(function () {
      var src = element.getAttribute("data-src");
      if (src && window.fetch) {
        return fetch(src, {headers: {Accept: "application/json"}})
          .then(function (r) { return r.json(); })
          .then(function (data) { draw(element, data.zones || []); }, function () { draw(element, points); });
      }
      draw(element, points);
    }).catch(function () { /* no Leaflet: the list below says the same */ });
  }

  var wide = window.matchMedia && window.matchMedia("(min-width: 48rem)").matches;
  Array.prototype.forEach.call(maps, function (element) {
    if (wide) { show(element); return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small show-map";
    button.textContent = element.getAttribute("data-show");
    button.addEventListener("click", function () {
      button.remove();
      show(element);
    });
    element.parentNode.insertBefore(button, element);
  });
})();
