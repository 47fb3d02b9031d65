// Marks the page as able to run the NHS.UK frontend's JavaScript (kept out of inline script
// so the Content Security Policy can forbid inline code).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
