// intake: progressive enhancement only. Every page works without this
// file; it adds keyboard shortcuts. Loaded as a file (the
// Content-Security-Policy forbids inline script).
//
//   j / k      next / previous ticket in a table marked data-rows
//   o, Enter   open the selected ticket (Enter is the link's own)
//   ?          the help dialog (#help)
//   Esc        leave a text box
//   others     an element with data-key="x" is focused (and clicked when
//              it also has data-key-click): "/" search, "r" reply, "n"
//              note, "u" back to the queue
"use strict";

(function () {
  // Shortcuts are ignored while the user types in a field.
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rowLinks() {
    var table = document.querySelector("[data-rows]");
    return table ? Array.prototype.slice.call(table.querySelectorAll("a.row-link")) : [];
  }

  // move focuses the row link by steps from the one focused (or the
  // start), keeping it in view.
  function move(step) {
    var links = rowLinks();
    if (links.length === 0) {
      return false;
    }
    var i = links.indexOf(document.activeElement);
    if (i < 0) {
      i = step > 0 ? 0 : links.length - 1;
    } else {
      i = Math.min(links.length - 1, Math.max(0, i + step));
    }
    links[i].focus();
    links[i].scrollIntoView({ block: "nearest" });
    return true;
  }

  function help() {
    var d = document.getElementById("help");
    if (!d || typeof d.showModal !== "function") {
      return false;
    }
    if (d.open) {
      d.close();
    } else {
      d.showModal();
    }
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    if (typing(e)) {
      if (e.key === "Escape") {
        e.target.blur();
      }
      return;
    }
    var done = false;
    switch (e.key) {
      case "j":
        done = move(1);
        break;
      case "k":
        done = move(-1);
        break;
      case "o":
        if (rowLinks().indexOf(document.activeElement) >= 0) {
          document.activeElement.click();
          done = true;
        }
        break;
      case "?":
        done = help();
        break;
      default:
        var el = document.querySelector('[data-key="' + CSS.escape(e.key) + '"]');
        if (el) {
          el.focus();
          if (el.hasAttribute("data-key-click")) {
            el.click();
          }
          done = true;
        }
    }
    if (done) {
      e.preventDefault();
    }
  });
})();
