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

// A .table-stack table becomes cards on a phone; each cell is labelled with its column's name.
for (const table of document.querySelectorAll("table.table-stack")) {
  const names = [...table.querySelectorAll(":scope > thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll(":scope > tbody > tr")) {
    [...row.children].forEach((cell, index) => {
      if (!cell.textContent.trim() && !cell.querySelector("input, img, svg")) {
        cell.classList.add("stack-blank");  // nothing to show: no empty labelled line
      } else if (names[index] && !cell.hasAttribute("data-label") && cell.colSpan === 1) {
        cell.dataset.label = names[index] === "#" ? "Session" : names[index];
      }
    });
  }
}
