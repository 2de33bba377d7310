/* ReMo network map: hover and click details, pan/zoom, keyboard navigation between nodes, presentation
   keys. Progressive enhancement: the server-rendered SVG, links and forms work without this file.
   One listener per event type on the map (event delegation), never one per node. */
(function () {
  "use strict";

  function initMap(svg) {
    var canvas = svg.parentNode;
    var figure = document.getElementById("map-figure");
    var tools = figure ? figure.querySelector(".map-tools") : null;
    var details = document.getElementById("map-details");
    var box = details ? details.querySelector(".js-details") : null;
    var vb0 = svg.getAttribute("viewBox").split(/\s+/).map(Number);
    var vb = vb0.slice();
    var active = null;
    if (tools) { tools.hidden = false; }

    function setBox() { svg.setAttribute("viewBox", vb.join(" ")); }
    function zoom(f, cx, cy) {
      if (cx === undefined) { cx = vb[0] + vb[2] / 2; cy = vb[1] + vb[3] / 2; }
      var w = Math.min(Math.max(vb[2] * f, vb0[2] / 12), vb0[2] * 2);
      var h = w * vb0[3] / vb0[2];
      vb = [cx - (cx - vb[0]) * w / vb[2], cy - (cy - vb[1]) * h / vb[3], w, h];
      setBox();
    }
    function reset() { vb = vb0.slice(); setBox(); }
    function nodeOf(el) { return el && el.closest ? el.closest("a.node") : null; }
    function light(node, on) {
      var id = node.getAttribute("data-id");
      var sel = 'line[data-a="' + CSS.escape(id) + '"], line[data-b="' + CSS.escape(id) + '"]';
      svg.querySelectorAll(sel).forEach(function (l) { l.classList.toggle("is-lit", on); });
    }
    function show(node) {
      if (!box) { return; }
      if (active) { active.classList.remove("is-active"); light(active, false); }
      active = node;
      node.classList.add("is-active");
      light(node, true);
      var empty = details.querySelector("[data-empty]");
      if (empty) { empty.hidden = true; }
      box.hidden = false;
      box.querySelector('[data-field="name"]').textContent = node.getAttribute("data-name");
      var label = node.getAttribute("aria-label") || "";
      box.querySelector('[data-field="kind"]').textContent = label.split(", ").slice(1).join(", ");
      var comm = node.getAttribute("data-community");
      // "Community 2 – a group of organisations that cooperate closely" (none without partners)
      box.querySelector('[data-field="degree"]').textContent =
        comm !== "0" ? (box.getAttribute("data-community") || "%(num)s").replace("%(num)s", comm) : "";
      var list = box.querySelector('[data-field="partners"]');
      while (list.firstChild) { list.removeChild(list.firstChild); }
      (node.getAttribute("data-partners") || "").split("; ").forEach(function (p) {
        if (!p) { return; }
        var li = document.createElement("li"); li.textContent = p; list.appendChild(li);
      });
      box.querySelector('[data-field="link"]').setAttribute("href", node.getAttribute("href"));
    }
    function nearest(from, dx, dy) {
      var x0 = +from.getAttribute("data-x"), y0 = +from.getAttribute("data-y"), best = null, bestScore = Infinity;
      svg.querySelectorAll("a.node").forEach(function (n) {
        if (n === from) { return; }
        var x = +n.getAttribute("data-x") - x0, y = +n.getAttribute("data-y") - y0;
        var along = x * dx + y * dy;
        if (along <= 0) { return; }
        var across = Math.abs(x * dy - y * dx);
        var score = along + 2 * across;
        if (score < bestScore) { bestScore = score; best = n; }
      });
      return best;
    }

    svg.addEventListener("mouseover", function (e) { var n = nodeOf(e.target); if (n) { light(n, true); } });
    svg.addEventListener("mouseout", function (e) { var n = nodeOf(e.target); if (n && n !== active) { light(n, false); } });
    svg.addEventListener("click", function (e) {
      var n = nodeOf(e.target);
      if (!n || e.ctrlKey || e.metaKey || e.shiftKey || moved) { if (moved) { e.preventDefault(); } return; }
      e.preventDefault();
      show(n);
    });
    svg.addEventListener("keydown", function (e) {
      var n = nodeOf(e.target);
      var dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (n && dirs[e.key]) {
        var next = nearest(n, dirs[e.key][0], dirs[e.key][1]);
        if (next) { next.focus(); }
        e.preventDefault();
      } else if (n && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        show(n);
      } else if (e.key === "+" || e.key === "=") { zoom(0.8); e.preventDefault(); }
      else if (e.key === "-") { zoom(1.25); e.preventDefault(); }
      else if (e.key === "0") { reset(); e.preventDefault(); }
    });
    if (tools) {
      tools.addEventListener("click", function (e) {
        var b = e.target.closest("[data-zoom]");
        if (!b) { return; }
        var z = b.getAttribute("data-zoom");
        if (z === "in") { zoom(0.8); } else if (z === "out") { zoom(1.25); } else { reset(); }
      });
    }
    // find by name: matching organisations (and their labels) are highlighted, the others fade
    var search = document.getElementById("map-search");
    var count = tools ? tools.querySelector(".map-search-count") : null;
    function fold(s) { return s.toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }
    if (search) {
      search.addEventListener("input", function () {
        var q = fold(search.value.trim()), hits = [];
        svg.querySelectorAll("a.node").forEach(function (n) {
          var hit = q !== "" && fold(n.getAttribute("data-name") || "").indexOf(q) >= 0;
          n.classList.toggle("is-match", hit);
          if (hit) { hits.push(n); }
          var text = svg.querySelector('text[data-for="' + CSS.escape(n.getAttribute("data-id")) + '"]');
          if (text) { text.classList.toggle("is-match", hit); }
        });
        svg.classList.toggle("has-search", q !== "");
        if (count) {
          count.textContent = q === "" ? "" : hits.length ? count.getAttribute("data-some").replace("%(num)s", hits.length)
            : count.getAttribute("data-none");
        }
        if (hits.length === 1) { show(hits[0]); }
      });
      search.addEventListener("keydown", function (e) {
        var first = svg.querySelector("a.node.is-match");
        if (e.key === "Enter" && first) { e.preventDefault(); show(first); first.focus(); }
      });
    }
    svg.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.metaKey) { return; }
      e.preventDefault();
      var r = svg.getBoundingClientRect();
      zoom(e.deltaY > 0 ? 1.15 : 0.87, vb[0] + (e.clientX - r.left) / r.width * vb[2],
        vb[1] + (e.clientY - r.top) / r.height * vb[3]);
    }, { passive: false });
    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (e) {
      drag = { x: e.clientX, y: e.clientY, vb: vb.slice() }; moved = false;
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var r = svg.getBoundingClientRect();
      var dx = (e.clientX - drag.x) / r.width * vb[2], dy = (e.clientY - drag.y) / r.height * vb[3];
      if (!moved && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 5) { return; }
      moved = true; svg.classList.add("dragging");
      vb = [drag.vb[0] - dx, drag.vb[1] - dy, vb[2], vb[3]]; setBox();
    });
    function end() { drag = null; svg.classList.remove("dragging"); }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointerleave", end);
    canvas.addEventListener("dblclick", function () { reset(); });
  }

  function initPresent() {
    document.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) { return; }
      var go = null;
      if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") { go = document.querySelector('[data-key="next"]'); }
      if (e.key === "ArrowLeft" || e.key === "PageUp") { go = document.querySelector('[data-key="prev"]'); }
      if (go) { e.preventDefault(); window.location.assign(go.getAttribute("href")); return; }
      if ((e.key === "f" || e.key === "F") && document.documentElement.requestFullscreen) {
        if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
      }
    });
    var fs = document.querySelector("[data-fullscreen]");
    if (fs && document.documentElement.requestFullscreen) {
      fs.hidden = false;
      fs.addEventListener("click", function () { document.documentElement.requestFullscreen(); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var svg = document.querySelector(".map-canvas svg.netmap");
    if (svg) { initMap(svg); }
    if (document.body.classList.contains("present")) { initPresent(); }
  });
})();
