// intake: progressive enhancement only. Every page works without this
// file; it adds keyboard shortcuts where a page asks for them. Loaded as a
// file (the Content-Security-Policy forbids inline script).
"use strict";

(function () {
  // Shortcuts are ignored while the user types in a field.
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // A page lists its shortcuts as elements with data-key="x": the key
  // focuses (and for links and buttons with data-key-click, activates) it.
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) {
      return;
    }
    var el = document.querySelector('[data-key="' + CSS.escape(e.key) + '"]');
    if (!el) {
      return;
    }
    e.preventDefault();
    el.focus();
    if (el.hasAttribute("data-key-click")) {
      el.click();
    }
  });
})();
