// The market's service worker, served from the site root (/sw.js) so that it sees every page.
// It keeps the site shell (styles, scripts, icons, the offline page) and the pages a member opened
// (listings, products, zones, contracts, orders, their workspace) readable without a network.
// /sw.js fills SHELL and VERSION in from the static files' content hashes.
var VERSION = "__VERSION__";
var SHELL = __SHELL__;
var OFFLINE_URL = "__OFFLINE__";
var SHELL_CACHE = "market-shell-" + VERSION;
var PAGES_CACHE = "market-pages";
var MAX_PAGES = 60;
var KEEP = [/^\/listings\/\d+$/, /^\/products\/\d+$/, /^\/zones\//, /^\/contracts\/\d+$/, /^\/orders\/\d+$/,
            /^\/workspace\//, /^\/contracts\/$/, /^\/orders\/$/, /^\/verify\//, /^\/$/];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("market-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepPage(url) {
  return KEEP.some(function (pattern) { return pattern.test(url.pathname); });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    if (keys.length > MAX_PAGES) return cache.delete(keys[0]).then(function () { return trim(cache); });
  });
}

self.addEventListener("message", function (event) {
  // Logging out forgets the pages kept for reading offline.
  if (event.data === "forget-pages") caches.delete(PAGES_CACHE);
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (request.mode === "navigate") {
      // A form sent without a network: say so, instead of the browser's error page.
      event.respondWith(fetch(request).catch(function () {
        return caches.match(OFFLINE_URL + "?form=1").then(function (page) { return page || caches.match(OFFLINE_URL); });
      }));
    }
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && keepPage(url)) {
        var copy = response.clone();
        event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) {
          return cache.put(request, copy).then(function () { return trim(cache); });
        }));
      }
      return response;
    }).catch(function () {
      return caches.match(request, {ignoreVary: true}).then(function (hit) { return hit || caches.match(OFFLINE_URL); });
    }));
  }
});
