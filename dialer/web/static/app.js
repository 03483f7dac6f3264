// Shared helpers: JSON calls with the session's CSRF token, and a server-sent events subscription.
"use strict";
window.dialer = {
  csrf() { return document.querySelector('meta[name="csrf-token"]').content; },
  async api(method, url, body) {
    const resp = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      const d = data.detail;
      throw new Error(typeof d === "string" ? d : JSON.stringify(d || resp.statusText));
    }
    return data;
  },
  listen(url, onData) {
    const es = new EventSource(url);
    es.onmessage = (ev) => { try { onData(JSON.parse(ev.data)); } catch (e) { console.error(e); } };
    return es;
  },
  text(el, value) { if (el) el.textContent = value === null || value === undefined ? "" : String(value); },
};
