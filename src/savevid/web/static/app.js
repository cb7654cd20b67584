// savevid's page: paste a link, get the file. One action: the link is looked at (the preview) and
// downloaded at once in the person's default format; other formats are one tap away. It talks only
// to the HTTP API.
"use strict";

const $ = (id) => document.getElementById(id);
const FINAL = ["done", "failed", "cancelled"];
const ACTIVE = ["queued", "resolving", "downloading", "processing"];
let messages = {};
let lang = "en";
let media = null;          // what the preview shows: the /api/info answer for the link last submitted
let mediaLink = "";        // the link (as pasted) that the preview belongs to
let inFlight = false;      // a submit is being answered: one job per click, however fast
const started = new Set();  // the formats asked for from this preview
const jobs = new Map();
const announced = new Map();  // job id → the last state read out
const saved = new Set(JSON.parse(sessionStorage.getItem("saved") || "[]"));
let batches = JSON.parse(sessionStorage.getItem("batches") || "[]");  // job ids made by one paste

const t = (key) => messages[key] || key;
const fill = (key, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), t(key));

async function loadLanguage(wanted) {
  const reply = await fetch(`/static/i18n/${wanted}.json`);
  messages = await reply.json();
  lang = wanted;
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  const other = lang === "tr" ? "en" : "tr";
  $("lang").textContent = other.toUpperCase();
  $("lang").setAttribute("aria-label", other === "tr" ? "Türkçe" : "English");
  $("lang").dataset.lang = other;
  localStorage.setItem("lang", lang);
  for (const option of $("choice").options) option.textContent = choiceName(option.value);
  $("choice-now").textContent = choiceName(defaultChoice());
  if (media) showPreview(media);
  renderJobs();
}

// ---- words ----------------------------------------------------------------------------------

function size(bytes) {
  if (bytes == null) return "";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  const number = value.toFixed(unit ? 1 : 0);
  return `${lang === "tr" ? number.replace(".", ",") : number} ${units[unit]}`;
}

function duration(seconds) {
  if (seconds == null) return "";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// A format's name from its id (best, 1080, audio-mp3 …), never from the server's English label.
function choiceName(id, height) {
  if (id === "best") return height ? fill("choice_best_height", { height }) : t("choice_best");
  if (id.startsWith("audio-")) {
    const format = id.slice(6);
    return format === "best" ? t("choice_audio_best") : fill("choice_audio", { format: format.toUpperCase() });
  }
  return /^\d+$/.test(id) ? `${id}p` : id;
}

function choiceId(choice) {
  if (!choice) return "best";
  if (choice.format) return choice.format;
  return choice.audio_only ? `audio-${choice.audio_format}` : choice.quality;
}

function choiceBody(id) {
  return id.startsWith("audio-") ? { audio_only: true, audio_format: id.slice(6) } : { quality: id };
}

function defaultChoice() {
  const id = localStorage.getItem("choice") || "best";
  return [...$("choice").options].some((o) => o.value === id) ? id : "best";
}

function setDefaultChoice(id) {
  if (![...$("choice").options].some((o) => o.value === id)) return;
  localStorage.setItem("choice", id);
  $("choice").value = id;
  $("choice-now").textContent = choiceName(id);
}

// A server error in the page's language: by its code, with the server's own words in English.
function errorText(body) {
  const key = body.code ? `error_${body.code}` : "";
  if (lang !== "en" && key && messages[key]) return { message: messages[key], hint: "" };
  return { message: body.message || messages[key] || t("offline"), hint: body.hint || "" };
}

// ---- the server -----------------------------------------------------------------------------

async function api(method, path, body) {
  let reply;
  try {
    reply = await fetch(path, {
      method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw { code: "offline", message: t("offline") };
  }
  const data = await reply.json().catch(() => ({}));
  if (reply.status === 401) askForKey();
  if (!reply.ok) throw data;
  return data;
}

function showError(body) {
  const text = errorText(body);
  $("error-text").textContent = text.message;
  $("error-hint").textContent = text.hint;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
}

function askForKey() {
  $("key-form").hidden = false;
  $("key").focus();
}

async function useKey(event) {
  event.preventDefault();
  try {
    await api("POST", "/api/session", { key: $("key").value });
  } catch (error) {
    showError(error);
    return;
  }
  $("key").value = "";
  $("key-form").hidden = true;
  hideError();
  await loadJobs();
  if ($("url").value.trim()) $("form").requestSubmit();
}

// ---- paste → file ---------------------------------------------------------------------------

function links(text) {
  return text.split(/\s+/).map((s) => s.trim()).filter((s) => /^(https?:\/\/|[\w-]+\.[\w.-]+\/)/i.test(s));
}

function setBusy(busy) {
  inFlight = busy;
  $("go").disabled = busy;
  $("paste").disabled = busy;
  $("form").setAttribute("aria-busy", String(busy));
}

async function submit(event) {
  event.preventDefault();
  if (inFlight) return;
  hideError();
  clearPreview();
  const text = $("url").value;
  if (!text.trim()) {
    showError({ message: t("empty") });
    $("url").focus();
    return;
  }
  const urls = links(text);
  setBusy(true);
  try {
    if (urls.length > 1) {
      await startBatch(urls.map((url) => ({ url, ...choiceBody(defaultChoice()) })));
      $("url").value = "";
      return;
    }
    await lookAndDownload(urls[0] || text.trim());
  } finally {
    setBusy(false);
  }
}

// The preview, then at once the download in the default format; a playlist or post asks which items.
async function lookAndDownload(url) {
  $("busy").hidden = false;
  let item;
  try {
    item = await api("POST", "/api/info", { url });
  } catch (error) {
    showError(error);
    return;
  } finally {
    $("busy").hidden = true;
  }
  const unchanged = $("url").value.trim() === url || links($("url").value)[0] === url;
  if (unchanged) {
    media = item;
    mediaLink = url;
    showPreview(item);
  }
  if (item.is_playlist) return;
  const job = await startDownload({ url, ...choiceBody(defaultChoice()) });
  if (job && unchanged) {
    $("url").value = "";
    started.add(defaultChoice());
    renderFormats(item);
  }
}

function clearPreview() {
  media = null;
  started.clear();
  mediaLink = "";
  $("preview").hidden = true;
}

function showPreview(item) {
  $("title").textContent = item.title;
  const uploader = item.uploader && item.uploader.toLowerCase() !== (item.site || "").toLowerCase() ? item.uploader : "";
  $("meta").textContent = [item.site, uploader, duration(item.duration)].filter(Boolean).join(" · ");
  const thumb = $("thumb");
  thumb.hidden = !item.thumbnail_url;
  if (item.thumbnail_url) thumb.src = item.thumbnail_url; else thumb.removeAttribute("src");
  thumb.onerror = () => { thumb.hidden = true; };
  renderFormats(item);
  const entries = $("entries");
  entries.querySelectorAll("label").forEach((el) => el.remove());
  item.entries.forEach((entry, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox"; input.value = String(index); input.checked = true;
    input.addEventListener("change", countItems);
    label.append(input, ` ${entry.title || entry.url} ${duration(entry.duration)}`);
    entries.append(label);
  });
  entries.hidden = !item.is_playlist;
  $("start").hidden = !item.is_playlist;
  countItems();
  $("preview").hidden = false;
  if (item.is_playlist) $("start").focus();
}

// The preview's formats; the ones already asked for are marked.
function renderFormats(item) {
  const list = $("format-list");
  list.replaceChildren();
  for (const option of item.is_playlist ? [] : item.choices) {
    const name = choiceName(option.id, option.height);
    const weight = option.size ? `${option.size_approximate ? "~" : ""}${size(option.size)}` : "";
    const words = [name, option.kind === "video" ? option.ext : "", weight].filter(Boolean);
    const asked = started.has(option.id);
    const el = button(`${asked ? "✓ " : ""}${words.join(" · ")}`, () => downloadAs(option));
    el.dataset.choice = option.id;
    el.setAttribute("aria-pressed", String(asked));
    el.setAttribute("aria-label", fill("download_as", { format: words.join(", ") }));
    list.append(el);
  }
  $("formats").hidden = !list.children.length;
}

function countItems() {
  const n = $("entries").querySelectorAll("input:checked").length;
  $("start").textContent = fill(n === 1 ? "download_items_one" : "download_items_other", { n });
  $("start").disabled = n === 0;
}

// A format picked in the preview: downloaded too, and the new default.
async function downloadAs(option) {
  if (!media) return;
  setDefaultChoice(option.id);
  if (await startDownload({ url: mediaLink, ...option.choice })) started.add(option.id);
  if (media) renderFormats(media);
}

async function startItems() {
  if (!media || inFlight) return;
  const items = [...$("entries").querySelectorAll("input:checked")].map((el) => +el.value + 1);
  if (!items.length) return;
  setBusy(true);
  $("start").disabled = true;
  try {
    const made = await startDownload({ url: mediaLink, items, ...choiceBody(defaultChoice()) });
    if (made) { clearPreview(); $("url").value = ""; }
  } finally {
    setBusy(false);
    countItems();
  }
}

async function startBatch(bodies) {
  const ids = [];
  for (const body of bodies) {
    const made = await startDownload(body);
    if (made) ids.push(...made.map((job) => job.id));
  }
  remember(ids);
}

// One or more jobs for one request; a job the server already had (same link and format) comes back
// as it is, and a finished one is saved again.
async function startDownload(body) {
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
    if (job.state === "done") { saved.delete(job.id); saveFile(job); }  // asked for again: saved again
  }
  follow();
  if (made.length > 1) remember(made.map((job) => job.id));
  renderJobs();
  return made;
}

function remember(ids) {
  if (ids.length < 2) return;
  batches = [...batches.filter((batch) => !batch.some((id) => ids.includes(id))), ids].slice(-5);
  sessionStorage.setItem("batches", JSON.stringify(batches));
}

// ---- the list -------------------------------------------------------------------------------

async function loadJobs() {
  try {
    for (const job of await api("GET", "/api/downloads")) { jobs.set(job.id, job); announced.set(job.id, job.state); }
  } catch (error) { /* the list stays empty; submitting shows the error */ }
  renderJobs();
  follow();
}

// One stream of changes for all of this browser's downloads, open while any is under way (a browser
// opens at most six connections to a server: one stream per download would soon block the rest).
let changes = null;

function follow() {
  const active = [...jobs.values()].some((job) => !FINAL.includes(job.state));
  if (active && !changes) {
    changes = new EventSource("/api/events");
    changes.onmessage = (event) => update(JSON.parse(event.data));
  } else if (!active && changes) {
    changes.close();
    changes = null;
  }
}

function update(job) {
  if (!jobs.has(job.id)) return;  // removed here, or another tab's
  const before = jobs.get(job.id);
  jobs.set(job.id, job);
  if (job.state === "done" && before.state !== "done") saveFile(job);
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

// Each job's item is made once and then updated in place, so focus and screen readers keep their place.
function renderJobs() {
  const list = $("job-list");
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
  renderBundle();
}

function makeItem(id) {
  const item = document.createElement("li");
  item.dataset.id = id;
  const thumb = document.createElement("img");
  thumb.alt = ""; thumb.className = "thumb"; thumb.hidden = true;
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
    actions.replaceChildren(...wanted.map(([action, run]) => {
      const el = button("", run);
      el.dataset.action = action;
      return el;
    }));
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

// Completion and failure are read out once each; progress is on the labelled bar.
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

// The newest paste that made several files, once all of them are done: one zip of them all.
function renderBundle() {
  const batch = [...batches].reverse().find((ids) => ids.filter((id) => jobs.get(id)?.state === "done").length > 1);
  $("bundle").hidden = !batch;
  if (!batch) return;
  const done = batch.filter((id) => jobs.get(id)?.state === "done");
  const total = done.reduce((sum, id) => sum + (jobs.get(id).size || 0), 0);
  $("bundle-text").textContent = fill("bundle_text", { n: done.length, size: size(total) });
  $("bundle-link").href = `/api/downloads/zip?ids=${done.join(",")}`;
  $("bundle-link").setAttribute("download", "");
}

function button(text, action) {
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
    if (error.code === "no_such_download" || error.code === "not_found") { forget(id); renderJobs(); return; }
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

async function clearFinished() {
  for (const job of [...jobs.values()]) if (FINAL.includes(job.state)) await removeJob(job.id);
  $("url").focus();
}

// ---- ways in: the Paste button, drop, the address (links, share menu, bookmarklet) -----------

async function pasteFromClipboard() {
  try {
    $("url").value = await navigator.clipboard.readText();
    $("form").requestSubmit();
  } catch (error) {
    const touch = window.matchMedia("(pointer: coarse)").matches || navigator.maxTouchPoints > 0;
    showError({ message: t(touch ? "paste_denied_touch" : "paste_denied") });
    $("url").focus();
  }
}

// /?url= or /?u= (links, the share menu, the bookmarklet) or /?text= (what phones share: words
// around a link). Dropped from the address so a reload is quiet.
function openLinkFromAddress() {
  const query = new URLSearchParams(location.search);
  const given = query.get("url") || query.get("u") || query.get("text");
  if (location.search) history.replaceState(null, "", location.pathname + location.hash);
  if (given && given.trim()) { $("url").value = given.trim(); $("form").requestSubmit(); }
}

function setUpBookmarklet() {
  const code = `location.href=${JSON.stringify(`${location.origin}/?url=`)}+encodeURIComponent(location.href)`;
  $("bookmarklet").href = `javascript:${code}`;
  $("bookmarklet").addEventListener("click", (event) => {  // here it would only reload this page
    event.preventDefault();
    $("bookmarklet-note").classList.add("flash");
  });
}

function growField() {
  const field = $("url");
  field.style.height = "auto";
  field.style.height = `${Math.min(field.scrollHeight + 2, 240)}px`;
}

document.addEventListener("DOMContentLoaded", async () => {
  const wanted = localStorage.getItem("lang") || (navigator.language || "en").slice(0, 2);
  $("choice").value = defaultChoice();
  await loadLanguage(wanted === "tr" ? "tr" : "en");
  $("form").addEventListener("submit", submit);
  $("url").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("form").requestSubmit(); }
  });
  $("url").addEventListener("input", () => {  // a new link: the old preview and error no longer apply
    if (media && $("url").value.trim() !== mediaLink) clearPreview();
    hideError();
    growField();
  });
  $("paste").addEventListener("click", pasteFromClipboard);
  $("start").addEventListener("click", startItems);
  $("clear").addEventListener("click", clearFinished);
  $("choice").addEventListener("change", () => setDefaultChoice($("choice").value));
  $("lang").addEventListener("click", () => loadLanguage($("lang").dataset.lang));
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    const text = event.dataTransfer.getData("text/uri-list") || event.dataTransfer.getData("text/plain");
    if (text) { $("url").value = text; $("form").requestSubmit(); }
  });
  $("key-form").addEventListener("submit", useKey);
  setUpBookmarklet();
  await loadJobs();
  if ($("key-form").hidden) $("url").focus();
  openLinkFromAddress();
  document.body.dataset.ready = "true";  // the page is set up (tests wait for this)
});
