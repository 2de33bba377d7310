/* ReMo: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // phones: the main menu folds behind a "Menu" button (without JavaScript it is simply shown)
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("main-menu");
    if (toggle && menu) {
      document.documentElement.classList.add("js-menu");
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        menu.classList.toggle("menu-open", open);
      });
    }
    // the menu's "More" drop-down (a <details>, so it opens without JavaScript too): Escape closes it and
    // returns to its button; a click or the focus elsewhere closes it
    document.querySelectorAll(".nav-more details").forEach(function (more) {
      var summary = more.querySelector("summary");
      more.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && more.open) {
          more.open = false;
          summary.focus();
          event.preventDefault();
        }
      });
      more.addEventListener("focusout", function (event) {
        if (more.open && event.relatedTarget && !more.contains(event.relatedTarget)) { more.open = false; }
      });
      document.addEventListener("click", function (event) {
        if (more.open && !more.contains(event.target)) { more.open = false; }
      });
    });
    // phones: the directory's filters start folded, unless some are in use
    var narrow = window.matchMedia("(max-width: 39.99rem)").matches;
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      if (narrow && !details.hasAttribute("data-in-use")) { details.open = false; }
    });
    // print buttons are hidden without JavaScript (the browser's own print menu works anyway)
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    // ask before actions that are hard to undo
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // selects marked data-autosubmit send their form when changed (a submit button stays for no-JS use)
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
