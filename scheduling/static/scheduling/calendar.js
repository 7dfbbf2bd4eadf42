// The calendars' behaviours, kept out of the HTML for the Content-Security-Policy. Without
// JavaScript every one of them is a plain link or form; this only makes them quicker.
(() => {
  const board = document.getElementById("calendar");

  // Keyboard: arrows go to the previous or next day (or week), "t" to today.
  const keys = { ArrowLeft: "previous", ArrowRight: "next", t: "today" };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest("input, select, textarea, [contenteditable]")) return;
    if (document.querySelector(".offcanvas.show")) return;
    const link = keys[event.key] && document.querySelector(`[data-calendar-key="${keys[event.key]}"]`);
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  if (!board) return;
  const dayView = document.getElementById("day-view");
  if (dayView && window.bootstrap) panels();
  drag();

  function panels() {
  const visitPanel = document.getElementById("visit-panel");
  const slotPanel = document.getElementById("slot-panel");
  const fill = (panel, field, text) => {
    for (const node of panel.querySelectorAll(`[data-field="${field}"]`)) node.textContent = text;
  };
  const forId = (form, id) => { form.action = form.dataset.action.replace("/0/", `/${id}/`); };
  const dayLabel = () => document.querySelector("h1").firstChild.textContent.trim();
  const columnName = (column) => column.getAttribute("aria-label");

  // A panel the server opened (the no-JavaScript path) is handed over to Bootstrap.
  for (const panel of [visitPanel, slotPanel]) {
    if (panel && panel.classList.contains("show")) {
      panel.classList.remove("show");
      bootstrap.Offcanvas.getOrCreateInstance(panel).show();
    }
  }

  // Click a visit: its panel, filled from the block.
  board.addEventListener("click", (event) => {
    const visit = event.target.closest(".cal-event");
    const slot = event.target.closest(".cal-slot");
    if (visit && visitPanel) {
      event.preventDefault();
      const column = visit.closest(".cal-column");
      const [session, where] = visit.querySelector(".cal-meta").textContent.split(" · ");
      fill(visitPanel, "patient", visit.querySelector(".cal-patient").textContent);
      fill(visitPanel, "when", `${dayLabel()}, ${visit.querySelector(".cal-when").textContent}`);
      fill(visitPanel, "session", session);
      fill(visitPanel, "where", where);
      fill(visitPanel, "practitioner", columnName(column));
      fill(visitPanel, "status", visit.dataset.status);
      visitPanel.querySelector('[data-field="course"]').href = visit.dataset.course;
      const upcoming = visitPanel.querySelector("[data-upcoming]");
      if (upcoming) {
        upcoming.hidden = visit.getAttribute("draggable") !== "true";
        for (const form of upcoming.querySelectorAll("form[data-action]")) forId(form, visit.dataset.visit);
        upcoming.querySelector('[name="start"]').value = visit.dataset.start;
        upcoming.querySelector('[name="practitioner"]').value = "";
      }
      bootstrap.Offcanvas.getOrCreateInstance(visitPanel).show();
    } else if (slot && slotPanel) {
      event.preventDefault();
      const column = slot.closest(".cal-column");
      const practitioner = column.dataset.practitioner;
      const [date, time] = slot.dataset.slot.split("T");
      fill(slotPanel, "practitioner", columnName(column));
      fill(slotPanel, "when", `${dayLabel()}, ${time}`);
      const query = new URLSearchParams({ practitioner, start_date: date, time });
      for (const link of slotPanel.querySelectorAll("[data-book]")) {
        const extra = link.dataset.book === "single" ? "&sessions=1&per_week=1" : "";
        link.href = `${link.pathname}?${query}${extra}`;
      }
      let here = 0;
      for (const item of slotPanel.querySelectorAll("#makeups li[data-practitioner]")) {
        item.hidden = item.dataset.practitioner !== practitioner;
        item.querySelector("[data-slot-value]").value = slot.dataset.slot;
        if (!item.hidden) here += 1;
      }
      slotPanel.querySelector("#makeups [data-none]").hidden = here > 0;
      bootstrap.Offcanvas.getOrCreateInstance(slotPanel).show();
    }
  });

  }

  // Drag a visit to another time, day or practitioner: the drop posts the same move as the
  // panel's form.
  function drag() {
  const mover = document.getElementById("drag-move");
  if (!mover) return;
  const forId = (form, id) => { form.action = form.dataset.action.replace("/0/", `/${id}/`); };
  const firstMinute = Number(board.dataset.firstMinute);
  const clock = (minute) =>
    `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
  const dropTime = (body, event) => {
    const rows = Number(board.dataset.rows);
    const box = body.getBoundingClientRect();
    const row = Math.floor(((event.clientY - box.top) / box.height) * rows);
    const minute = firstMinute + Math.max(0, Math.min(rows - 1, row)) * 5;
    return clock(minute - (minute % 15));
  };
  let dragged = null;
  board.addEventListener("dragstart", (event) => {
    dragged = event.target.closest('.cal-event[draggable="true"]');
    if (!dragged) return;
    event.dataTransfer.setData("text/plain", dragged.dataset.visit);
    event.dataTransfer.effectAllowed = "move";
    dragged.classList.add("is-dragging");
  });
  board.addEventListener("dragend", () => { if (dragged) dragged.classList.remove("is-dragging"); });
  board.addEventListener("dragover", (event) => {
    if (dragged && event.target.closest(".cal-column .cal-body")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });
  board.addEventListener("drop", (event) => {
    const body = event.target.closest(".cal-column .cal-body");
    if (!dragged || !body) return;
    event.preventDefault();
    const column = body.closest(".cal-column");
    const from = dragged.closest(".cal-column");
    const start = `${column.dataset.day}T${dropTime(body, event)}`;
    if (start === dragged.dataset.start && column === from) return;
    forId(mover, dragged.dataset.visit);
    mover.elements.start.value = start;
    mover.elements.practitioner.value =
      column.dataset.practitioner === from.dataset.practitioner ? "" : column.dataset.practitioner;
    mover.submit();
  });
  }
})();
