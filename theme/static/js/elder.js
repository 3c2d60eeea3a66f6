/* 长辈版 (the age-friendly mode) for every page. Loaded without defer in <head>, so its first
   lines run before the first paint: the reader's choice is on <html> before anything is drawn
   (no flash of the small layout, no layout shift). The CSP allows no inline script, hence a
   file. Classes on <html>: `js` (scripting works: show the controls that need it), `elder`
   (the mode is on), `can-speak` (the browser has speech synthesis: read-aloud.js may offer it). */
(function () {
  "use strict";
  var KEY = "kuaixun-elder";
  var root = document.documentElement;

  function stored() {
    try {
      return localStorage.getItem(KEY) === "on";
    } catch (error) {
      return false; // storage blocked (privacy settings): the mode lasts for this page only
    }
  }

  function store(on) {
    try {
      if (on) localStorage.setItem(KEY, "on");
      else localStorage.removeItem(KEY);
    } catch (error) {
      /* nothing to keep it in */
    }
  }

  root.classList.add("js");
  root.classList.toggle("elder", stored());
  if (window.speechSynthesis && window.SpeechSynthesisUtterance) root.classList.add("can-speak");

  function wire() {
    var button = document.getElementById("elder-toggle");
    if (!button) return;
    button.setAttribute("aria-pressed", String(root.classList.contains("elder")));
    button.hidden = false;
    button.addEventListener("click", function () {
      var on = !root.classList.contains("elder");
      root.classList.toggle("elder", on);
      button.setAttribute("aria-pressed", String(on));
      store(on);
    });
  }

  // Another tab switched the mode, or this page comes back from the back/forward cache.
  function refresh() {
    var on = stored();
    root.classList.toggle("elder", on);
    var button = document.getElementById("elder-toggle");
    if (button) button.setAttribute("aria-pressed", String(on));
  }
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) refresh();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) refresh();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
