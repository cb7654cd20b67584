// The sites page: the registry from /api/sites, in the page's language, sorted and searchable.
"use strict";

// Case and accents do not matter when searching: "izle" finds "İzlesene", "akilli" finds "Akıllı TV".
const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/ı/g, "i");

function countText(messages, n) {
  return (n === 1 ? messages.count_one : messages.count_other).replace("{n}", String(n));
}

// Why a site cannot be supported, in the catalog under reason_<name>: "MX TakaTak" → reason_mx_takatak.
const reasonKey = (name) => `reason_${fold(name).replace(/[^a-z0-9]+/g, "_")}`;

function fillTable(body, sites, messages) {
  const status = { "yt-dlp": messages.works, own: messages.works_own, none: messages.not_supported };
  return sites.map((site) => {
    const row = body.insertRow();
    row.className = `site ${site.handler}`;
    row.insertCell().textContent = site.name;
    const reason = messages[reasonKey(site.name)] || site.reason;  // the server's is English
    row.insertCell().textContent = reason ? `${status[site.handler]}: ${reason}` : status[site.handler];
    return { row, words: fold([site.name, ...site.domains].join(" ")) };
  });
}

function applyFilter(rows, query, messages) {
  const wanted = fold(query.trim());
  let shown = 0;
  for (const { row, words } of rows) {
    row.hidden = !words.includes(wanted);
    shown += row.hidden ? 0 : 1;
  }
  document.getElementById("count").textContent = countText(messages, shown);
  document.getElementById("no-match").hidden = shown > 0;
}

document.addEventListener("DOMContentLoaded", async () => {
  const lang = localStorage.getItem("lang") || ((navigator.language || "en").startsWith("tr") ? "tr" : "en");
  const messages = await (await fetch(`/static/i18n/${lang === "tr" ? "tr" : "en"}.json`)).json();
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = messages[el.dataset.i18n]; });
  const sites = await (await fetch("/api/sites")).json();
  sites.sort((a, b) => a.name.localeCompare(b.name, lang));
  const rows = fillTable(document.querySelector("#sites tbody"), sites, messages);
  const filter = document.getElementById("filter");
  filter.addEventListener("input", () => applyFilter(rows, filter.value, messages));
  applyFilter(rows, filter.value, messages);
  document.body.dataset.ready = "";
});
