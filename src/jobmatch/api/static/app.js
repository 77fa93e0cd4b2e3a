// The web page: submit a search to /v1, poll it, show the matches. Everything from the server goes into the page
// as text (textContent), never as markup: titles and companies are scraped from job boards.
"use strict";

const KEY_STORAGE = "jobmatch.apiKey";
const POLL_MS = 700;
let currentSearch = null;

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function apiKey() {
  return $("api-key").value.trim();
}

async function api(path, options = {}) {
  const headers = Object.assign({ "x-api-key": apiKey() }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      message = body.message || (typeof body.detail === "string" ? body.detail : message);
    } catch (_) { /* not JSON: keep the status line */ }
    throw new Error(message);
  }
  return response;
}

function parseWeights(text) {
  const scores = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.lastIndexOf("=");
    const term = at > 0 ? line.slice(0, at).trim() : "";
    const weight = at > 0 ? Number(line.slice(at + 1)) : NaN;
    if (!term || !Number.isFinite(weight)) throw new Error(`Keyword weight "${line}": expected term=weight, e.g. python=1.2`);
    scores[term] = weight;
  }
  return scores;
}

function parseSources(text) {
  return text.split(/[\n,]/).map((name) => name.trim()).filter((name) => name);
}

function salary(match) {
  const amounts = [match.salary_min, match.salary_max].filter((v) => v !== null && v !== undefined)
    .map((v) => v.toLocaleString("en-US", { maximumFractionDigits: v >= 100 ? 0 : 2 }));
  if (!amounts.length) return "";
  const span = [...new Set(amounts)].join("–");
  return (match.salary_currency ? match.salary_currency + " " : "") + span +
    (match.salary_interval ? " per " + match.salary_interval : "");
}

function link(url, text) {
  const href = safeHref(url);
  if (!href) return null;
  const a = el("a", null, text);
  a.href = href; a.rel = "noopener noreferrer"; a.target = "_blank";
  return a;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}

function showProgress(search) {
  const p = search.progress;
  $("progress-panel").hidden = false;
  $("status").textContent = `${search.status}: ranked against the ${search.ranked_against}` +
    (search.error ? ` (${search.error})` : "");
  $("pages-bar").max = Math.max(p.pages_requested, p.pages, 1);
  $("pages-bar").value = p.pages;
  $("postings-bar").max = Math.max(p.listed, 1);
  $("postings-bar").value = p.settled;
  const shortfalls = search.outcome && !search.outcome.complete ? search.outcome.shortfalls : [];
  $("shortfalls").replaceChildren(...shortfalls.map((line) => el("li", null, line)));
  $("incomplete").hidden = shortfalls.length === 0;
  $("counters").textContent = `Pages ${p.pages} of ${p.pages_requested} · listed ${p.listed} · ` +
    `fetched ${p.fetched} · cached ${p.cached} · failed ${p.failed} · filtered ${p.filtered} · ` +
    `retried requests ${p.retries}`;
  const sources = Object.entries(p.by_source || {});
  $("by-source").replaceChildren(...(sources.length > 1 ? sources : []).map(([name, c]) =>
    el("li", null, `${name}: listed ${c.listed} · fetched ${c.fetched} · cached ${c.cached} · failed ${c.failed}`)));
}

function chips(label, items, className) {
  const row = el("div", "chips");
  row.append(el("span", "label", label + ": "));
  for (const item of items) row.append(el("span", "kw " + className, item));
  return row;
}

function card(match) {
  const article = el("article", "card");
  article.dataset.jobId = match.job_id;
  const score = el("span", "score", match.score.toFixed(3) + " ");
  score.append(el("small", null, `(raw ${match.raw_score.toFixed(3)})`));
  article.append(score);
  const heading = el("h3", "title");
  heading.append(`${match.rank}. `);
  const href = safeHref(match.url);
  const title = href ? el("a", null, match.title) : el("span", null, match.title);
  if (href) { title.href = href; title.rel = "noopener noreferrer"; title.target = "_blank"; }
  heading.append(title);
  article.append(heading);
  const meta = el("div", "meta");
  meta.append(el("span", "company", match.company), " · ", el("span", "location", match.location));
  if (match.posted_at) meta.append(" · ", el("span", "posted", "posted " + match.posted_at));
  if (match.closed) meta.append(" · ", el("span", "closed", "no longer accepting applications"));
  article.append(meta);
  const facts = [salary(match), match.workplace_type, match.employment_type, match.department].filter((f) => f);
  const apply = match.apply_url ? link(match.apply_url, "Apply") : null;
  if (facts.length || apply) {
    const details = el("div", "details", facts.join(" · "));
    if (apply) details.append(facts.length ? " · " : "", apply);
    article.append(details);
  }
  const elsewhere = (match.also_at || []).filter((url) => safeHref(url)).map((url) => link(url, new URL(url).host));
  if (elsewhere.length) {
    const row = el("div", "also-at", "Also posted at: ");
    elsewhere.forEach((a, i) => row.append(...(i ? [", ", a] : [a])));
    article.append(row);
  }
  const weights = Object.entries(match.fired_weights).map(([term, w]) => `${term} ×${w}`);
  if (weights.length) article.append(chips("Weights", weights, "weight"));
  if (match.matched_keywords.length) article.append(chips("You have", match.matched_keywords, "have"));
  if (match.missing_keywords.length) article.append(chips("Missing", match.missing_keywords, "lack"));
  article.append(markButtons(match));
  return article;
}

function showResults(search) {
  const list = $("results");
  list.replaceChildren(...(search.matches || []).map(card));
  if (!search.matches || !search.matches.length) list.append(el("p", null, "No matches."));
  const failed = search.progress.failed ? `, ${search.progress.failed} could not be fetched` : "";
  $("summary").textContent = `${(search.matches || []).length} matches of ${search.progress.listed} postings` +
    `${failed}; ranked against the ${search.ranked_against}.` + (search.notes.length ? " " + search.notes.join(" ") : "");
  $("results-panel").hidden = false;
}

async function poll(id) {
  while (currentSearch === id) {
    const search = await (await api(`/v1/searches/${encodeURIComponent(id)}`)).json();
    showProgress(search);
    if (search.status !== "RUNNING") {
      if (search.status === "SUCCEEDED") showResults(search);
      else showError(`Search ${search.status}: ${search.error || "no reason given"}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function submit(event) {
  event.preventDefault();
  showError("");
  $("results-panel").hidden = true;
  if (!apiKey()) { showError("Enter your API key (jobmatch apikey create --name NAME prints one)."); return; }
  if ($("remember-key").checked) localStorage.setItem(KEY_STORAGE, apiKey());
  else localStorage.removeItem(KEY_STORAGE);
  $("submit").disabled = true;
  try {
    const body = {
      query: $("query").value,
      location: $("location").value,
      pages: Number($("pages").value || 1),
      post_time: Number($("post_time").value || 1),
      word_scores: parseWeights($("word_scores").value),
    };
    const sources = parseSources($("sources").value);
    if (sources.length) body.sources = sources;
    const file = $("resume").files[0];
    if (file) {
      const form = new FormData();
      form.append("file", file);
      const resume = await (await api("/v1/resumes", { method: "POST", body: form })).json();
      body.resume_id = resume.id;
    }
    const search = await (await api("/v1/searches", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    })).json();
    currentSearch = search.id;
    showProgress(search);
    await poll(search.id);
  } catch (error) {
    showError(error.message);
  } finally {
    $("submit").disabled = false;
  }
}

async function download(event) {
  const format = event.target.dataset.format;
  if (!format || !currentSearch) return;
  try {
    const response = await api(`/v1/searches/${encodeURIComponent(currentSearch)}/report.${format}`);
    const url = URL.createObjectURL(await response.blob());
    const link = el("a");
    link.href = url;
    link.download = `jobmatch-${currentSearch}.${format}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showError(error.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = localStorage.getItem(KEY_STORAGE) || "";
  $("search-form").addEventListener("submit", submit);
  document.querySelector(".downloads").addEventListener("click", download);
});
