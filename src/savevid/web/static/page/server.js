// The HTTP API, the only way the page talks to the server, and how its errors are shown.
import { $, errorText, t } from "./words.js";

let whenUnauthorized = () => {};

// What to do when the server asks for an access key (401).
export function onUnauthorized(action) {
  whenUnauthorized = action;
}

export async function api(method, path, body) {
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
  if (reply.status === 401) whenUnauthorized();
  if (!reply.ok) throw data;
  return data;
}

export function showError(body) {
  const text = errorText(body);
  $("error-text").textContent = text.message;
  $("error-hint").textContent = text.hint;
  $("error").hidden = false;
}

export function hideError() {
  $("error").hidden = true;
  $("error-text").textContent = "";  // the field is described by it: no stale words for a screen reader
  $("error-hint").textContent = "";
}
