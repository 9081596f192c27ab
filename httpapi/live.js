// The status page, kept current: each announcement on the event stream has the page's
// parts (summary, drift, requests, footer) fetched again from the server and put in place.
// The page is whole without this script, which only saves a reload; after a lost stream it
// fetches them once more, for what it may have missed.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var parts = ["summary", "drift", "requests", "generated"];
  var root = document.documentElement;
  var refreshes = 0;
  var running = false;
  var again = false;
  var timer = null;
  var missed = false;

  function show(state, words) {
    root.setAttribute("data-live", state);
    var live = document.getElementById("live");
    if (live) {
      live.hidden = false;
      live.textContent = words;
    }
  }

  function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    fetch(location.href, { cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error("status page: " + resp.status);
        }
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        // A timeline someone opened stays open.
        var open = [];
        document.querySelectorAll("article.req details[open]").forEach(function (d) {
          open.push(d.closest("article").id);
        });
        parts.forEach(function (id) {
          var now = document.getElementById(id);
          var next = doc.getElementById(id);
          if (now && next) {
            now.replaceWith(document.importNode(next, true));
          }
        });
        open.forEach(function (id) {
          var article = document.getElementById(id);
          var details = article && article.querySelector("details");
          if (details) {
            details.open = true;
          }
        });
        show(root.getAttribute("data-live") || "on", root.getAttribute("data-live") === "off" ? "reconnecting…" : "live");
        refreshes++;
        root.setAttribute("data-refreshes", String(refreshes));
      })
      .catch(function () {})
      .then(function () {
        running = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  // Announcements come in bursts (a lock, then its list line): one fetch for a burst.
  function soon() {
    if (timer === null) {
      timer = setTimeout(function () {
        timer = null;
        refresh();
      }, 150);
    }
  }

  var stream = new EventSource("api/events");
  stream.addEventListener("announcement", soon);
  stream.onopen = function () {
    show("on", "live");
    if (missed) {
      missed = false;
      soon();
    }
  };
  stream.onerror = function () {
    missed = true;
    show("off", "reconnecting…");
  };
})();
