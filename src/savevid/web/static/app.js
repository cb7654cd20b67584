// savevid's page: paste a link, pick a format, get the file. It talks only to the HTTP API.
"use strict";

const $ = (id) => document.getElementById(id);
let messages = {};
let media = null;
const streams = new Map();
const saved = new Set(JSON.parse(sessionStorage.getItem("saved") || "[]"));

const t = (key) => messages[key] || key;

async function loadLanguage(lang) {
  const reply = await fetch(`/static/i18n/${lang}.json`);
  messages = await reply.json();
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
  renderJobs();
}

function size(bytes) {
  if (bytes == null) return "";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function duration(seconds) {
  if (seconds == null) return "";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function showError(body) {
  $("error-text").textContent = body.message || t("offline");
  $("error-hint").textContent = body.hint || "";
  $("error").hidden = false;
}

async function api(method, path, body) {
  let reply;
  try {
    reply = await fetch(path, {
      method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw { message: t("offline") };
  }
  const data = await reply.json().catch(() => ({}));
  if (reply.status === 401) askForKey();
  if (!reply.ok) throw data;
  return data;
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
  $("error").hidden = true;
  await loadJobs();
  if ($("url").value.trim()) $("form").requestSubmit();
}

async function loadJobs() {
  try {
    for (const job of await api("GET", "/api/downloads")) { jobs.set(job.id, job); follow(job); }
  } catch (error) { /* the list stays empty; submitting shows the error */ }
  renderJobs();
}

// A link handed over in the address: /?url= or /?u= (links, the share menu) or /?text= (what phones
// share: words around a link, which the server finds). Dropped from the address so a reload is quiet.
function openLinkFromAddress() {
  const query = new URLSearchParams(location.search);
  const given = query.get("url") || query.get("u") || query.get("text");
  if (location.search) history.replaceState(null, "", location.pathname + location.hash);
  if (given && given.trim()) { $("url").value = given.trim(); $("form").requestSubmit(); }
}

function links(text) {
  return text.split(/\s+/).map((s) => s.trim()).filter((s) => /^(https?:\/\/|[\w-]+\.[\w.-]+\/)/i.test(s));
}

async function submit(event) {
  event.preventDefault();
  $("error").hidden = true;
  $("preview").hidden = true;
  const urls = links($("url").value);
  if (urls.length > 1) {
    for (const url of urls) await startDownload({ url });
    $("url").value = "";
    return;
  }
  const url = urls[0] || $("url").value.trim();
  if (!url) return;
  $("busy").hidden = false;
  try {
    media = await api("POST", "/api/info", { url });
    showPreview(media);
  } catch (error) {
    showError(error);
  } finally {
    $("busy").hidden = true;
  }
}

function showPreview(item) {
  $("title").textContent = item.title;
  $("meta").textContent = [item.site, item.uploader, duration(item.duration)].filter(Boolean).join(" · ");
  const thumb = $("thumb");
  thumb.hidden = !(item.thumbnail && /^https?:\/\//.test(item.thumbnail));
  if (!thumb.hidden) thumb.src = item.thumbnail;
  const choices = $("choices");
  choices.querySelectorAll("label").forEach((el) => el.remove());
  item.choices.forEach((option, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio"; input.name = "choice"; input.value = String(index); input.checked = index === 0;
    const approx = option.size ? ` (${option.size_approximate ? "~" : ""}${size(option.size)})` : "";
    label.append(input, ` ${option.label} · ${option.ext || ""}${approx}`);
    choices.append(label);
  });
  choices.hidden = item.is_playlist || !item.choices.length;
  const entries = $("entries");
  entries.querySelectorAll("label").forEach((el) => el.remove());
  item.entries.forEach((entry, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox"; input.value = String(index); input.checked = true;
    label.append(input, ` ${entry.title || entry.url} ${duration(entry.duration)}`);
    entries.append(label);
  });
  entries.hidden = !item.is_playlist;
  $("preview").hidden = false;
  $("start").focus();
}

async function startFromPreview() {
  if (!media) return;
  if (media.is_playlist) {
    const items = [...$("entries").querySelectorAll("input:checked")].map((el) => +el.value + 1);
    if (items.length) await startDownload({ url: media.url, items });
  } else {
    const picked = $("choices").querySelector("input:checked");
    const option = media.choices[picked ? +picked.value : 0];
    await startDownload({ url: media.url, ...(option ? option.choice : {}) });
  }
  $("preview").hidden = true;
  $("url").value = "";
  $("url").focus();
}

async function startDownload(body) {
  try {
    const reply = await api("POST", "/api/downloads", body);
    for (const job of reply.jobs || [reply]) { jobs.set(job.id, job); follow(job); }
    renderJobs();
  } catch (error) {
    showError(error);
  }
}

const jobs = new Map();

function follow(job) {
  if (streams.has(job.id) || ["done", "failed", "cancelled"].includes(job.state)) return;
  const source = new EventSource(job.urls.events);
  streams.set(job.id, source);
  source.onmessage = (event) => {
    const update = JSON.parse(event.data);
    jobs.set(update.id, update);
    if (update.state === "done") saveFile(update);
    if (["done", "failed", "cancelled"].includes(update.state)) { source.close(); streams.delete(update.id); }
    renderJobs();
  };
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
  const stage = job.stage && ["merging", "converting"].includes(job.stage) ? t(`stage_${job.stage}`) : t(`state_${job.state}`);
  const parts = [stage];
  if (job.state === "downloading" && job.total) parts.push(`${Math.floor((100 * job.downloaded) / job.total)}%`);
  if (job.state === "downloading" && job.speed) parts.push(`${size(job.speed)}/s`);
  if (job.state === "downloading" && job.eta) parts.push(`${duration(job.eta)} ${t("left")}`);
  if (job.state === "done") parts.push(size(job.size));
  return parts.filter(Boolean).join(" · ");
}

function renderJobs() {
  const list = $("job-list");
  list.replaceChildren();
  const sorted = [...jobs.values()].sort((a, b) => b.created - a.created);
  $("empty").hidden = sorted.length > 0;
  for (const job of sorted) {
    const item = document.createElement("li");
    item.className = `job ${job.state}`;
    item.dataset.id = job.id;
    const title = document.createElement("strong");
    title.textContent = job.title || job.url;
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = progressText(job);
    const bar = document.createElement("progress");
    bar.max = 1;
    if (job.total) bar.value = Math.min(1, job.downloaded / job.total);
    bar.hidden = !["downloading", "resolving", "processing", "queued"].includes(job.state);
    item.append(title, status, bar);
    if (job.state === "failed") {
      const why = document.createElement("p");
      why.className = "why";
      why.textContent = job.error_message || "";
      item.append(why);
    }
    const actions = document.createElement("div");
    actions.className = "actions";
    if (job.state === "done") actions.append(button(t("save"), () => { saved.delete(job.id); saveFile(job); }));
    const final = ["done", "failed", "cancelled"].includes(job.state);
    actions.append(button(final ? t("remove") : t("cancel"), () => removeJob(job)));
    item.append(actions);
    list.append(item);
  }
}

function button(text, action) {
  const el = document.createElement("button");
  el.type = "button"; el.className = "secondary"; el.textContent = text;
  el.addEventListener("click", action);
  return el;
}

async function removeJob(job) {
  try {
    const after = await api("DELETE", `/api/downloads/${job.id}`);
    if (["done", "failed", "cancelled"].includes(job.state)) jobs.delete(job.id); else jobs.set(job.id, after);
    renderJobs();
  } catch (error) {
    showError(error);
  }
}

async function pasteFromClipboard() {
  try {
    $("url").value = await navigator.clipboard.readText();
    $("form").requestSubmit();
  } catch (error) {
    showError({ message: t("paste_denied") });
    $("url").focus();
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  const lang = localStorage.getItem("lang") || (navigator.language || "en").slice(0, 2);
  await loadLanguage(lang === "tr" ? "tr" : "en");
  $("form").addEventListener("submit", submit);
  $("url").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("form").requestSubmit(); }
  });
  $("paste").addEventListener("click", pasteFromClipboard);
  $("start").addEventListener("click", startFromPreview);
  $("lang").addEventListener("click", () => loadLanguage($("lang").dataset.lang));
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    const text = event.dataTransfer.getData("text/uri-list") || event.dataTransfer.getData("text/plain");
    if (text) { $("url").value = text; $("form").requestSubmit(); }
  });
  $("key-form").addEventListener("submit", useKey);
  await loadJobs();
  if ($("key-form").hidden) $("url").focus();
  openLinkFromAddress();
  document.body.dataset.ready = "true";  // the page is set up (tests wait for this)
});
