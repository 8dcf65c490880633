// The pages' only script: small conveniences on top of pages that work without it.
// - forms (or their submit buttons) with data-confirm ask before they submit (destructive actions);
// - <time datetime> shows the moment in the viewer's locale and time zone;
// - buttons with data-copy copy the text of the element with that id.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.textContent = "Copied";
  }, function () {
    button.textContent = "Select and copy";
  });
});
document.addEventListener("DOMContentLoaded", function () {
  var times = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i++) {
    var when = new Date(times[i].getAttribute("datetime"));
    if (isNaN(when.getTime())) continue;
    times[i].title = times[i].textContent;
    times[i].textContent = times[i].hasAttribute("data-date-only")
      ? when.toLocaleDateString() : when.toLocaleString();
  }
  var copies = document.querySelectorAll("button[data-copy]");
  for (var j = 0; j < copies.length; j++) copies[j].hidden = !navigator.clipboard;
});
