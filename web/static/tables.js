// Wide tables: a table wider than its box scrolls inside its `.table-wrap`. This marks
// such a box (`is-scrollable`, plus `more-left` / `more-right` for the edges that hide
// columns, which the stylesheet fades) and shows a one-line hint above it, so nobody
// takes the visible columns for the whole table. The page works without this: the box
// scrolls and takes keyboard focus either way.
(function () {
  "use strict";
  var hintText = document.body.getAttribute("data-table-hint");
  var boxes = document.querySelectorAll(".table-wrap");

  function update(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    var scrollable = hidden > 1;
    // scrollLeft runs negative in a right-to-left box: measure from either start.
    var from = Math.abs(box.scrollLeft);
    box.classList.toggle("is-scrollable", scrollable);
    box.classList.toggle("more-left", scrollable && from > 1);
    box.classList.toggle("more-right", scrollable && from < hidden - 1);
    if (box.tableHint) {
      box.tableHint.hidden = !scrollable;
    }
  }

  Array.prototype.forEach.call(boxes, function (box) {
    if (hintText) {
      var hint = document.createElement("p");
      hint.className = "table-hint";
      hint.textContent = hintText;
      hint.hidden = true;
      box.parentNode.insertBefore(hint, box);
      box.tableHint = hint;
    }
    box.addEventListener("scroll", function () { update(box); }, { passive: true });
    update(box);
  });

  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { update(entry.target); });
    });
    Array.prototype.forEach.call(boxes, function (box) { observer.observe(box); });
  } else {
    window.addEventListener("resize", function () {
      Array.prototype.forEach.call(boxes, update);
    });
  }
  // A <details> opened later (the chart's table on /me/) lays its table out only then.
  document.addEventListener("toggle", function () {
    Array.prototype.forEach.call(boxes, update);
  }, true);
})();
