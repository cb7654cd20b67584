// The sites page: the registry from /api/sites, in the page's language.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const lang = localStorage.getItem("lang") || ((navigator.language || "en").startsWith("tr") ? "tr" : "en");
  const messages = await (await fetch(`/static/i18n/${lang === "tr" ? "tr" : "en"}.json`)).json();
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = messages[el.dataset.i18n]; });
  const status = { "yt-dlp": messages.by_ytdlp, own: messages.by_own, none: messages.not_supported };
  const body = document.querySelector("#sites tbody");
  for (const site of await (await fetch("/api/sites")).json()) {
    const row = body.insertRow();
    row.className = `site ${site.handler}`;
    row.insertCell().textContent = site.name;
    row.insertCell().textContent = site.reason ? `${status[site.handler]}: ${site.reason}` : status[site.handler];
  }
});
