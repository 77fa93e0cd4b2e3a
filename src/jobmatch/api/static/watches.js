// Watches on the web page: a key's watches with their last runs (new matches first, marked), and saved / applied /
// dismissed buttons on every match card. Everything from the server goes in as text (textContent) only.
"use strict";

const MARKS = [["saved", "Save"], ["applied", "Applied"], ["dismissed", "Dismiss"]];

function badge(status) {
  return el("span", "badge " + status, status);
}

function markButtons(match) {
  const row = el("div", "marks");
  if (match.status) row.append(badge(match.status));
  for (const [status, label] of MARKS) {
    const button = el("button", "mark", label);
    button.type = "button";
    button.dataset.status = status;
    button.addEventListener("click", async () => {
      try {
        const path = `/v1/postings/${encodeURIComponent(match.source)}/${encodeURIComponent(match.job_id)}/status`;
        await api(path, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ status }) });
        const old = row.querySelector(".badge");
        if (old) old.remove();
        row.prepend(badge(status));
        const article = row.closest(".card");
        if (article) article.classList.toggle("dismissed", status === "dismissed");
      } catch (error) {
        showError(error.message);
      }
    });
    row.append(button);
  }
  return row;
}

function watchPanel(watch) {
  const section = el("section", "watch");
  section.dataset.watchId = watch.id;
  section.append(el("h3", null, watch.name));
  const q = watch.search;
  section.append(el("p", "meta", `${q.query}${q.location ? " in " + q.location : ""} · every ${watch.schedule}` +
    ` · min score ${watch.min_score} · next run ${watch.next_run_at}`));
  const last = watch.last_run;
  if (!last) {
    section.append(el("p", "meta", "Not run yet."));
    return section;
  }
  const run = last.run;
  const news = run.new_count === null ? "" : ` · ${run.new_count} new`;
  const told = run.notify_status === "none" ? "" : ` · notification ${run.notify_status}` +
    (run.notify_error ? ` (${run.notify_error})` : "");
  section.append(el("p", "meta last-run", `Last run ${run.started_at}: ${last.status || "starting"}${news}${told}`));
  for (const match of last.matches || []) {
    const article = card(match);
    if (match.new) article.querySelector("h3").prepend(el("span", "badge new", "new"), " ");
    section.append(article);
  }
  return section;
}

async function loadWatches() {
  showError("");
  try {
    const watches = await (await api("/v1/watches")).json();
    const list = $("watches");
    list.replaceChildren(...watches.map(watchPanel));
    if (!watches.length) list.append(el("p", null, "No watches yet: POST /v1/watches, or `jobmatch watch add`."));
  } catch (error) {
    showError(error.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("load-watches").addEventListener("click", loadWatches);
});
