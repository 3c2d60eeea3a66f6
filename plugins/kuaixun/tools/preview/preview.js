/* The editors' preview (make livereload) only: never part of the published site. Loaded by a
   <script src> the preview server adds to every page it serves, since the site's CSP allows
   no inline script. It reloads the page when a newer build is ready and, when the last build
   failed, shows its problems above the page: the page itself is the last good build. Text
   only, built as DOM text nodes.

   The tag carries the build the page was served after (data-build). The page asks the server
   for the build after that one (/_preview/reload.json, held until there is one, or answered
   with the same after 20 s) and reloads when the answer differs: a build that finished while
   the page was loading is seen as well as one that finishes later, and a page out of sight
   asks when it is shown again. */
(function () {
  "use strict";
  var script = document.currentScript;
  var build = (script && script.getAttribute("data-build")) || "";
  window.kuaixunPreview = { build: build };

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/_preview/preview.css";
  document.head.appendChild(style);

  function show(problems) {
    if (!problems.length) return;
    var box = document.createElement("section");
    box.className = "preview-problems";
    box.setAttribute("role", "alert");
    box.setAttribute("aria-labelledby", "preview-problems-title");
    var title = document.createElement("h2");
    title.id = "preview-problems-title";
    title.textContent =
      "预览没有更新：内容有 " + problems.length + " 个问题，下面显示的是上一次成功的版本";
    box.appendChild(title);
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.textContent = problem;
      list.appendChild(item);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.textContent = "改好并保存文件后，这一页会自动刷新。（只在预览里显示，不会发布）";
    box.appendChild(note);
    document.body.insertBefore(box, document.body.firstChild);
  }

  function json(url, signal) {
    return fetch(url, { cache: "no-store", signal: signal }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  // Only a page in sight asks: a question is held open for up to 20 s, and a browser opens
  // six connections to a host at most, so six tabs of the preview in the background would
  // leave a seventh waiting for its page. A page hidden drops its question; shown again, it
  // asks at once, and reloads if a build came meanwhile.
  var asking = null;
  function ask() {
    if (asking || document.visibilityState === "hidden") return;
    var question = (asking = new AbortController());
    json("/_preview/reload.json?after=" + encodeURIComponent(build), question.signal)
      .then(
        function (answer) {
          asking = null;
          if (answer.build !== build) window.location.reload();
          else ask();
        },
        function () {
          if (question.signal.aborted) return; /* hidden: asked again when shown */
          asking = null;
          setTimeout(ask, 2000); /* the preview server is restarting, or gone: ask again */
        }
      );
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden") ask();
    else if (asking) {
      asking.abort();
      asking = null;
    }
  });

  json("/_preview/problems.json")
    .then(function (problems) {
      if (document.body) show(problems);
      else document.addEventListener("DOMContentLoaded", function () { show(problems); });
    })
    .catch(function () {
      /* the preview server went away: nothing to show */
    });
  ask();
})();
