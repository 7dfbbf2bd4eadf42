// Small behaviours for the staff pages, kept out of the HTML so the Content-Security-Policy
// can forbid inline scripts.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// <select data-autosubmit data-clears="other"> submits its form on change, first emptying the
// named field (a calendar shows one practitioner or one room, not both).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (!field.matches("[data-autosubmit]")) return;
  const clears = field.dataset.clears;
  if (clears && field.form.elements[clears]) field.form.elements[clears].value = "";
  field.form.submit();
});
