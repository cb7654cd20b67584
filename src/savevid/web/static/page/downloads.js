// The list of this browser's downloads: made, followed live, saved, retried, cleared.
import { $, choiceId, choiceName, duration, errorText, fill, size, t } from "./words.js";
import { api, showError } from "./server.js";

const FINAL = ["done", "failed", "cancelled"];
const ACTIVE = ["queued", "resolving", "downloading", "processing"];
const jobs = new Map();
const announced = new Map();  // job id → the last state read out
const saved = new Set(JSON.parse(sessionStorage.getItem("saved") || "[]"));
// Only the downloads asked for in this tab are saved when they finish: another tab of the same
// browser lists them too, and must not save them a second time.
const mine = new Set(JSON.parse(sessionStorage.getItem("mine") || "[]"));
let batches = JSON.parse(sessionStorage.getItem("batches") || "[]");  // job ids made by one paste

// One or more jobs for one request; a job the server already had (same link and format) comes back
// as it is, and a finished one is saved again.
export async function startDownload(body) {
  let reply;
  try {
    reply = await api("POST", "/api/downloads", body);
  } catch (error) {
    showError(error);
    return null;
  }
  const made = reply.jobs || [reply];
  for (const job of made) {
    jobs.set(job.id, job);
    mine.add(job.id);
    if (job.state === "done") { saved.delete(job.id); saveFile(job); }  // asked for again: saved again
  }
  sessionStorage.setItem("mine", JSON.stringify([...mine]));
  follow();
  if (made.length > 1) remember(made.map((job) => job.id));
  renderJobs();
  return made;
}

export function remember(ids) {
  if (ids.length < 2) return;
  batches = [...batches.filter((batch) => !batch.some((id) => ids.includes(id))), ids].slice(-5);
  sessionStorage.setItem("batches", JSON.stringify(batches));
}

export async function loadJobs() {
  try {
    for (const job of await api("GET", "/api/downloads")) { jobs.set(job.id, job); announced.set(job.id, job.state); }
  } catch (error) { /* the list stays empty; submitting shows the error */ }
  renderJobs();
  follow();
}

// One stream of changes for all of this browser's downloads, open while any is under way (a browser
// opens at most six connections to a server: one stream per download would soon block the rest).
// The browser reconnects a stream that breaks by itself, but gives up on an answer that is not one
// (a proxy's 502 while the server restarts, a 503): then the list is read again and a new stream
// opened, after a pause that grows to half a minute.
let changes = null;
let pause = 1000;

function follow() {
  const active = [...jobs.values()].some((job) => !FINAL.includes(job.state));
  if (active && !changes) {
    changes = new EventSource("/api/events");
    changes.onopen = () => { pause = 1000; };
    changes.onmessage = (event) => update(JSON.parse(event.data));
    changes.onerror = () => {
      if (changes.readyState !== EventSource.CLOSED) return;  // the browser is reconnecting
      changes = null;
      setTimeout(catchUp, pause);
      pause = Math.min(pause * 2, 30000);
    };
  } else if (!active && changes) {
    changes.close();
    changes = null;
  }
}

async function catchUp() {
  try {
    for (const job of await api("GET", "/api/downloads")) update(job);
  } catch (error) { /* the next stream, or the next try, brings the news */ }
  follow();
}

function update(job) {
  if (!jobs.has(job.id)) return;  // removed here, or started in another browser
  const before = jobs.get(job.id);
  jobs.set(job.id, job);
  if (job.state === "done" && before.state !== "done" && mine.has(job.id)) saveFile(job);
  renderJobs();
  follow();
}

function saveFile(job) {
  if (saved.has(job.id)) return;
  saved.add(job.id);
  sessionStorage.setItem("saved", JSON.stringify([...saved]));
  const link = document.createElement("a");
  link.href = job.urls.file;
  link.download = job.filename || "";
  document.body.append(link);
  link.click();
  link.remove();
}

function progressText(job) {
  const stage = ["merging", "converting"].includes(job.stage) ? t(`stage_${job.stage}`) : t(`state_${job.state}`);
  const format = choiceName(choiceId(job.choice));
  if (job.state === "done") {
    return [saved.has(job.id) ? t("saved") : t("ready"), job.filename, size(job.size)].filter(Boolean).join(" · ");
  }
  const parts = [stage, format];
  if (job.state === "downloading" && job.total) {
    parts.push(fill("of", { done: size(job.downloaded), total: size(job.total) }));
  } else if (job.state === "downloading" && job.downloaded) parts.push(size(job.downloaded));
  if (job.state === "downloading" && job.speed) parts.push(`${size(job.speed)}/s`);
  if (job.state === "downloading" && job.eta) parts.push(fill("left", { time: duration(job.eta) }));
  return parts.filter(Boolean).join(" · ");
}

function jobTitle(job) {
  return job.title || job.url;
}

// Each job's item is made once and then updated in place, so focus and screen readers keep their place;
// when the focused item goes (removed, or retried as a new one), the item now in its place takes it.
export function renderJobs() {
  const list = $("job-list");
  const focused = list.contains(document.activeElement) ? document.activeElement.closest("li") : null;
  const place = focused ? [...list.children].indexOf(focused) : -1;
  const sorted = [...jobs.values()].sort((a, b) => b.created - a.created);
  $("empty").hidden = sorted.length > 0;
  $("clear").hidden = !sorted.some((job) => FINAL.includes(job.state));
  const keep = new Set(sorted.map((job) => job.id));
  for (const el of [...list.children]) if (!keep.has(el.dataset.id)) el.remove();
  sorted.forEach((job, index) => {
    let item = list.querySelector(`li[data-id="${job.id}"]`);
    if (!item) item = makeItem(job.id);
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    fillItem(item, job);
    announce(job);
  });
  if (focused && !focused.isConnected) {
    const next = list.children[Math.min(place, list.children.length - 1)];
    (next ? next.querySelector(".actions button") : $("recent-title")).focus();
  }
  renderBundle();
}

function makeItem(id) {
  const item = document.createElement("li");
  item.dataset.id = id;
  const thumb = document.createElement("img");
  thumb.alt = ""; thumb.className = "thumb"; thumb.hidden = true; thumb.loading = "lazy";
  thumb.onerror = () => { thumb.hidden = true; };
  const body = document.createElement("div");
  body.className = "body";
  const title = document.createElement("strong");
  const status = document.createElement("span");
  status.className = "status";
  const bar = document.createElement("progress");
  bar.max = 1;
  const why = document.createElement("p");
  why.className = "why";
  const actions = document.createElement("div");
  actions.className = "actions";
  body.append(title, status, bar, why, actions);
  item.append(thumb, body);
  return item;
}

function fillItem(item, job) {
  const title = jobTitle(job);
  item.className = `job ${job.state}`;
  const thumb = item.querySelector(".thumb");
  const src = job.urls.thumbnail || "";
  if (src && thumb.getAttribute("src") !== src) { thumb.src = src; thumb.hidden = false; }
  item.querySelector("strong").textContent = title;
  item.querySelector(".status").textContent = progressText(job);
  const bar = item.querySelector("progress");
  bar.hidden = !ACTIVE.includes(job.state);
  bar.setAttribute("aria-label", fill("progress_of", { title }));
  if (job.total) bar.value = Math.min(1, job.downloaded / job.total); else bar.removeAttribute("value");
  const why = item.querySelector(".why");
  why.hidden = job.state !== "failed";
  why.textContent = job.state === "failed" ? errorText({ code: job.error_code, message: job.error_message }).message : "";
  const actions = item.querySelector(".actions");
  const wanted = actionsFor(job);
  const shown = [...actions.children].map((el) => el.dataset.action).join();
  if (shown !== wanted.map(([action]) => action).join()) {
    const hadFocus = actions.contains(document.activeElement);
    actions.replaceChildren(...wanted.map(([action, run]) => {
      const el = button("", run);
      el.dataset.action = action;
      return el;
    }));
    if (hadFocus) actions.firstElementChild.focus();
  }
  for (const el of actions.children) {
    el.textContent = t(el.dataset.action);
    el.setAttribute("aria-label", fill(`${el.dataset.action}_title`, { title }));
  }
}

function actionsFor(job) {
  if (job.state === "done") {
    const save = () => { saved.delete(job.id); saveFile(jobs.get(job.id)); renderJobs(); };
    return [[saved.has(job.id) ? "save_again" : "save", save], ["remove", () => removeJob(job.id)]];
  }
  if (FINAL.includes(job.state)) return [["retry", () => retry(job.id)], ["remove", () => removeJob(job.id)]];
  return [["cancel", () => removeJob(job.id)]];
}

// The start, the completion and a failure are read out once each; progress is on the labelled bar.
function announce(job) {
  const before = announced.get(job.id);
  if (before === job.state) return;
  announced.set(job.id, job.state);
  const title = jobTitle(job);
  let text = "";
  if (job.state === "downloading" && before !== "downloading") text = fill("announce_downloading", { title });
  if (job.state === "done") text = fill(saved.has(job.id) ? "announce_saved" : "announce_ready", { title });
  if (job.state === "failed") text = `${fill("announce_failed", { title })} ${errorText({ code: job.error_code, message: job.error_message }).message}`;
  if (text) $("announce").textContent = text;
}

// The newest paste that made several files, once none of them is under way and two or more are
// done: one zip of the done ones.
function renderBundle() {
  const over = (ids) => ids.every((id) => !jobs.has(id) || FINAL.includes(jobs.get(id).state));
  const doneIn = (ids) => ids.filter((id) => jobs.get(id)?.state === "done");
  const batch = [...batches].reverse().find((ids) => over(ids) && doneIn(ids).length > 1);
  $("bundle").hidden = !batch;
  if (!batch) return;
  const done = doneIn(batch);
  const total = done.reduce((sum, id) => sum + (jobs.get(id).size || 0), 0);
  $("bundle-text").textContent = fill("bundle_text", { n: done.length, size: size(total) });
  $("bundle-link").href = `/api/downloads/zip?ids=${done.join(",")}`;
  $("bundle-link").setAttribute("download", "");
}

export function button(text, action) {
  const el = document.createElement("button");
  el.type = "button"; el.className = "secondary"; el.textContent = text;
  el.addEventListener("click", action);
  return el;
}

async function removeJob(id) {
  const job = jobs.get(id);
  if (!job) return;
  try {
    const after = await api("DELETE", `/api/downloads/${id}`);
    if (FINAL.includes(job.state)) forget(id); else jobs.set(id, after);
    renderJobs();
  } catch (error) {
    if (error.code === "no_such_download") { forget(id); renderJobs(); return; }
    showError(error);
  }
}

function forget(id) {
  jobs.delete(id);
  follow();
}

// A failed or cancelled download, asked for again with the same link, format and item.
async function retry(id) {
  const job = jobs.get(id);
  if (!job) return;
  const body = { url: job.url, ...job.choice, ...(job.item ? { items: [job.item] } : {}) };
  if (!body.format) delete body.format;
  const made = await startDownload(body);
  if (made) await removeJob(id);
}

export async function clearFinished() {
  for (const job of [...jobs.values()]) if (FINAL.includes(job.state)) await removeJob(job.id);
  $("recent-title").focus();  // not the field: on a phone that would bring up the keyboard
}
