/* Flowchart screens: link diagram and tables, and the editor's rows
   (add, remove, move, step-code suggestions). The preview itself is htmx. */
(function () {
  "use strict";

  function codeOf(row) {
    var input = row.querySelector('input[name$="-code"]');
    return input ? input.value.trim() : "";
  }

  function highlight(code) {
    document.querySelectorAll(".lf-hl").forEach(function (el) { el.classList.remove("lf-hl"); });
    if (!code) return;
    document.querySelectorAll(".lf-diagram [data-step]").forEach(function (g) {
      if (g.getAttribute("data-step") === code) g.classList.add("lf-hl");
    });
    var target = null;
    document.querySelectorAll("tr[data-step]").forEach(function (tr) {
      if (tr.getAttribute("data-step") === code) { tr.classList.add("lf-hl"); target = target || tr; }
    });
    document.querySelectorAll('[data-rows="steps"] > .lf-row').forEach(function (row) {
      if (!row.classList.contains("d-none") && codeOf(row) === code) { row.classList.add("lf-hl"); target = target || row; }
    });
    if (target) {
      target.scrollIntoView({ behavior: "smooth", block: "center" });
      var name = target.querySelector && target.querySelector('input[name$="-name"]');
      if (name) name.focus({ preventScroll: true });
    }
  }

  document.addEventListener("click", function (event) {
    var step = event.target.closest(".lf-diagram [data-step]");
    if (step) highlight(step.getAttribute("data-step"));
    var row = event.target.closest("tr[data-step]");
    if (row && !event.target.closest("a")) highlight(row.getAttribute("data-step"));
  });

  document.addEventListener("click", function (event) {
    var zoom = event.target.closest("[data-zoom]");
    if (!zoom) return;
    var pane = document.querySelector(zoom.getAttribute("data-zoom"));
    if (pane) pane.classList.toggle("lf-zoomed");
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var editor = document.getElementById("lf-editor");
    if (!editor) return;

    function container(prefix) { return editor.querySelector('[data-rows="' + prefix + '"]'); }
    function liveRows(prefix) {
      return Array.prototype.filter.call(container(prefix).children, function (row) {
        return row.classList.contains("lf-row") && !row.classList.contains("d-none");
      });
    }
    function redraw() { editor.dispatchEvent(new Event("change", { bubbles: true })); }

    function refreshCodes() {
      var list = document.getElementById("lf-step-codes");
      if (!list) return;
      list.innerHTML = "";
      liveRows("steps").forEach(function (row) {
        var code = codeOf(row);
        if (!code) return;
        var option = document.createElement("option");
        option.value = code;
        var name = row.querySelector('input[name$="-name"]');
        option.label = name ? code + " " + name.value : code;
        list.appendChild(option);
      });
    }

    function renumber() {
      liveRows("steps").forEach(function (row, i) {
        var order = row.querySelector('input[name$="-ORDER"]');
        if (order) order.value = i + 1;
        var index = row.querySelector(".lf-index");
        if (index) index.textContent = i + 1;
      });
      refreshCodes();
    }

    function freeCode() {
      var taken = {};
      liveRows("steps").forEach(function (row) { taken[codeOf(row)] = true; });
      var n = liveRows("steps").length + 1;  // before the new row is added
      while (taken["S" + n]) n += 1;
      return "S" + n;
    }

    editor.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add]");
      if (add) {
        var prefix = add.getAttribute("data-add");
        var total = editor.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
        var template = document.getElementById("lf-empty-" + prefix);
        var n = parseInt(total.value, 10) || 0;
        var suggested = prefix === "steps" ? freeCode() : "";
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
        var row = holder.firstElementChild;
        container(prefix).appendChild(row);
        total.value = n + 1;
        if (prefix === "steps") {
          row.querySelector('input[name$="-code"]').value = suggested;
          renumber();
          row.querySelector('input[name$="-name"]').focus();
        } else if (prefix === "transitions") {
          var steps = liveRows("steps");
          var last = steps.length ? codeOf(steps[steps.length - 1]) : "";
          row.querySelector("input").focus();
          if (last) row.querySelector('input[name$="-source"]').placeholder = last;
        } else {
          row.querySelector("input:not([type=hidden])").focus();
        }
        return;
      }
      var remove = event.target.closest("[data-remove]");
      if (remove) {
        var gone = remove.closest(".lf-row");
        var flag = gone.querySelector('input[name$="-DELETE"]');
        if (flag) flag.checked = true;
        gone.classList.add("d-none");
        renumber();
        redraw();
        return;
      }
      var move = event.target.closest("[data-move]");
      if (move) {
        var current = move.closest(".lf-row");
        var rows = liveRows("steps");
        var at = rows.indexOf(current);
        if (move.getAttribute("data-move") === "up" && at > 0) {
          current.parentNode.insertBefore(current, rows[at - 1]);
        } else if (move.getAttribute("data-move") === "down" && at >= 0 && at < rows.length - 1) {
          current.parentNode.insertBefore(rows[at + 1], current);
        } else {
          return;
        }
        renumber();
        redraw();
      }
    });

    editor.addEventListener("input", function (event) {
      if (event.target.matches('input[name$="-code"], input[name$="-name"]')) refreshCodes();
    });

    renumber();
  });
})();
