// Copy buttons next to long codes and hashes: shown only where the clipboard can be written.
(function () {
  if (!navigator.clipboard || !document.querySelectorAll) return;
  Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy]"), function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = "✓ " + label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
