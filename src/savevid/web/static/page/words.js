// Words: the catalog of the page's language, and how numbers, durations, formats and errors read.

export const $ = (id) => document.getElementById(id);
let messages = {};
let lang = "en";

export const t = (key) => messages[key] || key;
export const fill = (key, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), t(key));

// The catalog of a language ("en", "tr"), applied to every element that names a key.
export async function loadCatalog(wanted) {
  const reply = await fetch(`/static/i18n/${wanted}.json`);
  messages = await reply.json();
  lang = wanted;
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

export function size(bytes) {
  if (bytes == null) return "";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  const number = value.toFixed(unit ? 1 : 0);
  return `${lang === "tr" ? number.replace(".", ",") : number} ${units[unit]}`;
}

export function duration(seconds) {
  if (seconds == null) return "";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// A format's name from its id (best, 1080, audio-mp3 …), never from the server's English label.
export function choiceName(id, height) {
  if (id === "best") return height ? fill("choice_best_height", { height }) : t("choice_best");
  if (id.startsWith("audio-")) {
    const format = id.slice(6);
    return format === "best" ? t("choice_audio_best") : fill("choice_audio", { format: format.toUpperCase() });
  }
  return /^\d+$/.test(id) ? `${id}p` : id;
}

export function choiceId(choice) {
  if (!choice) return "best";
  if (choice.format) return choice.format;
  return choice.audio_only ? `audio-${choice.audio_format}` : choice.quality;
}

export function choiceBody(id) {
  return id.startsWith("audio-") ? { audio_only: true, audio_format: id.slice(6) } : { quality: id };
}

// A server error in the page's language: by its code, with the server's own words in English.
export function errorText(body) {
  const key = body.code ? `error_${body.code}` : "";
  if (lang !== "en" && key && messages[key]) return { message: messages[key], hint: "" };
  return { message: body.message || messages[key] || t("offline"), hint: body.hint || "" };
}
