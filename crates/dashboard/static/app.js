// tracefix dashboard: progressive enhancement only. Every action is a
// plain form POST and works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const button = event.submitter || form.querySelector("button[type=submit]");
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // One click, one POST: a second click while the page loads would post
  // the action again.
  if (button) {
    window.setTimeout(() => { button.disabled = true; }, 0);
  }
});
