/* 朗读: the article read aloud in Mandarin by the browser's own speech synthesis (Web Speech
   API). Nothing leaves the reader's device. The title, the subtitle, then the body, one
   utterance a paragraph: the paragraph being spoken is highlighted and scrolled to when the
   browser says it started (the utterance's start event). The toolbar stays hidden unless the
   browser has speech synthesis and a Chinese voice. */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var bar = document.querySelector(".read-aloud");
  if (!bar || !synth || !window.SpeechSynthesisUtterance) return;

  var article = bar.closest("article");
  var playButton = bar.querySelector(".read-aloud-play");
  var pauseButton = bar.querySelector(".read-aloud-pause");
  var stopButton = bar.querySelector(".read-aloud-stop");
  var PARTS = ".article-title, .article-subtitle, .article-body :is(p, h2, h3, h4, li, figcaption)";
  var session = 0; // a new reading makes the events of the previous one stale
  var reading = null;

  // zh-CN, zh_CN, zh-Hans…, cmn-…: a Mandarin voice (not zh-HK, which speaks Cantonese).
  function hasChineseVoice() {
    return synth.getVoices().some(function (voice) {
      return /^(zh([-_](CN|Hans|SG)([-_].*)?)?|cmn([-_].*)?)$/i.test(voice.lang || "");
    });
  }

  function offer() {
    if (hasChineseVoice()) bar.hidden = false;
  }

  // The parts in reading order; a list item holding a paragraph is read once, as the paragraph.
  function parts() {
    return Array.prototype.filter.call(article.querySelectorAll(PARTS), function (element) {
      return !element.querySelector(PARTS) && element.textContent.trim() !== "";
    });
  }

  function highlight(element) {
    if (reading) reading.classList.remove("reading");
    reading = element;
    if (!element) return;
    element.classList.add("reading");
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    element.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
  }

  function show(state) {
    bar.setAttribute("data-state", state);
    pauseButton.disabled = state === "idle";
    stopButton.disabled = state === "idle";
    pauseButton.textContent = state === "paused" ? "继续" : "暂停";
  }

  function finish(id) {
    if (id !== session) return;
    highlight(null);
    show("idle");
  }

  function speak(element, id) {
    var utterance = new SpeechSynthesisUtterance(element.textContent.replace(/\s+/g, " ").trim());
    utterance.lang = "zh-CN";
    utterance.rate = 0.9; // a little slower than the default, for older listeners
    utterance.addEventListener("start", function () {
      if (id === session) highlight(element);
    });
    synth.speak(utterance);
    return utterance;
  }

  function play() {
    var id = ++session;
    synth.cancel();
    var last = null;
    parts().forEach(function (element) {
      last = speak(element, id);
    });
    if (!last) return;
    last.addEventListener("end", function () {
      finish(id);
    });
    show("playing");
  }

  function pauseOrResume() {
    if (bar.getAttribute("data-state") === "paused") {
      synth.resume();
      show("playing");
    } else {
      synth.pause();
      show("paused");
    }
  }

  function stop() {
    session += 1;
    synth.cancel();
    finish(session);
  }

  playButton.addEventListener("click", play);
  pauseButton.addEventListener("click", pauseOrResume);
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", function () {
    synth.cancel();
  });
  show("idle");
  offer();
  if (bar.hidden && synth.addEventListener) synth.addEventListener("voiceschanged", offer);
})();
