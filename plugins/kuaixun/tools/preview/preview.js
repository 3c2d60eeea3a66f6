/* The editors' preview (make livereload) only: never part of the published site. Loaded by a
   <script src> the preview server adds to every page it serves, since the site's CSP allows
   no inline script. It starts livereload's client (the page reloads after each rebuild) and,
   when the last build failed, shows its problems above the page: the page itself is the
   last good build. Text only, built as DOM text nodes. */
(function () {
  "use strict";
  var port = window.location.port || (window.location.protocol === "https:" ? 443 : 80);
  var client = document.createElement("script");
  client.src = "/livereload.js?port=" + port;
  document.head.appendChild(client);

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

  fetch("/_preview/problems.json", { cache: "no-store" })
    .then(function (response) {
      return response.json();
    })
    .then(function (problems) {
      if (document.body) show(problems);
      else document.addEventListener("DOMContentLoaded", function () { show(problems); });
    })
    .catch(function () {
      /* the preview server went away: nothing to show */
    });
})();
