// savevid's page: paste a link, get the file. One action: the link is looked at (the preview) and
// downloaded at once in the person's default format; other formats are one tap away.
import { $, choiceBody, choiceName, duration, fill, loadCatalog, size, t } from "./words.js";
import { api, hideError, onUnauthorized, showError } from "./server.js";
import { button, clearFinished, loadJobs, remember, renderJobs, startDownload } from "./downloads.js";

let media = null;          // what the preview shows: the /api/info answer for the link last submitted
let mediaLink = "";        // the link (as pasted) that the preview belongs to
let inFlight = false;      // a submit is being answered: one job per click, however fast
let previews = 0;          // counts previews, so that an answer for an older one changes nothing
const started = new Set();  // the formats asked for from this preview

async function loadLanguage(wanted) {
  await loadCatalog(wanted);
  const other = wanted === "tr" ? "en" : "tr";
  $("lang").textContent = other.toUpperCase();
  $("lang").setAttribute("aria-label", other === "tr" ? "Türkçe" : "English");
  $("lang").dataset.lang = other;
  localStorage.setItem("lang", wanted);
  for (const option of $("choice").options) option.textContent = choiceName(option.value);
  $("choice-now").textContent = choiceName(defaultChoice());
  if (media) { renderFormats(media); countItems(); }  // the items' ticks and the focus stay
  renderJobs();
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

// The links in a text, each once.
function links(text) {
  const found = text.split(/\s+/).map((s) => s.trim()).filter((s) => /^(https?:\/\/|[\w-]+\.[\w.-]+\/)/i.test(s));
  return [...new Set(found)];
}

function setField(text) {
  $("url").value = text;
  growField();
}

// True while the field still holds just this link (the person has not moved on to another).
function stillIn(url) {
  const text = $("url").value.trim();
  return text === url || (links(text).length === 1 && links(text)[0] === url);
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
      const failed = await startBatch(urls.map((url) => ({ url, ...choiceBody(defaultChoice()) })));
      if ($("url").value === text) setField(failed.join("\n"));  // what did not start stays, to try again
      return;
    }
    await lookAndDownload(urls[0] || text.trim());
  } finally {
    setBusy(false);
  }
}

// The preview, then at once the download in the default format; a playlist or post asks which items.
async function lookAndDownload(url) {
  const preview = previews;
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
  const current = () => preview === previews && stillIn(url);
  if (current()) {
    media = item;
    mediaLink = url;
    showPreview(item);
  }
  if (item.is_playlist) return;
  const choice = defaultChoice();
  const job = await startDownload({ url, ...choiceBody(choice) });
  if (job && current()) {  // the field is emptied for the next link only if nothing new was typed
    setField("");
    started.add(choice);
    renderFormats(item);
  }
}

function clearPreview() {
  previews += 1;
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
  const preview = previews;
  setDefaultChoice(option.id);
  const made = await startDownload({ url: mediaLink, ...option.choice });
  if (made && preview === previews) {  // still the same preview: mark the format asked for
    started.add(option.id);
    renderFormats(media);
  }
}

async function startItems() {
  if (!media || inFlight) return;
  const items = [...$("entries").querySelectorAll("input:checked")].map((el) => +el.value + 1);
  if (!items.length) return;
  setBusy(true);
  $("start").disabled = true;
  try {
    const made = await startDownload({ url: mediaLink, items, ...choiceBody(defaultChoice()) });
    if (made) { clearPreview(); setField(""); }
  } finally {
    setBusy(false);
    countItems();
  }
}

// Several links at once, one download each; the links that could not be started.
async function startBatch(bodies) {
  const ids = [];
  const failed = [];
  for (const body of bodies) {
    const made = await startDownload(body);
    if (made) ids.push(...made.map((job) => job.id)); else failed.push(body.url);
  }
  remember(ids);
  return failed;
}

async function pasteFromClipboard() {
  try {
    setField(await navigator.clipboard.readText());
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
  if (given && given.trim()) { setField(given.trim()); $("form").requestSubmit(); }
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
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("form").requestSubmit();
    }
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
    if (text) { setField(text); $("form").requestSubmit(); }
  });
  $("key-form").addEventListener("submit", useKey);
  onUnauthorized(askForKey);
  setUpBookmarklet();
  await loadJobs();
  if ($("key-form").hidden) $("url").focus();
  openLinkFromAddress();
  document.body.dataset.ready = "true";  // the page is set up (tests wait for this)
});
