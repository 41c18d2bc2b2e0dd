// The give form: show the chosen reward's cost and what would be left of the budget as
// soon as it is chosen. The page works without this; the "Check the cost" button asks
// the server for the same.
(function () {
  "use strict";
  var select = document.querySelector("select[name=reward]");
  var preview = document.getElementById("give-preview");
  var template = document.getElementById("give-preview-text");
  if (!select || !preview || !template) {
    return;
  }
  var costText = preview.querySelector("[data-preview=cost]");
  var afterText = preview.querySelector("[data-preview=after]");

  function update() {
    var option = select.options[select.selectedIndex];
    var cost = option ? option.getAttribute("data-cost") : null;
    if (!cost) {
      costText.textContent = "";
      afterText.textContent = "";
      preview.classList.remove("notice");
      return;
    }
    costText.textContent = template.getAttribute("data-cost").replace("{cost}", cost);
    afterText.textContent = option.getAttribute("data-after") || "";
    preview.classList.toggle("notice", option.getAttribute("data-over") === "1");
  }

  select.addEventListener("change", update);
})();
