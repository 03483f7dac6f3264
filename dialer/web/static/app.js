// Shared helpers: JSON calls with the session's CSRF token, server-sent events, the page's language
// (messages from the server's catalogue in <script id="i18n">), and one way to say "saved" or "failed".
"use strict";
window.dialer = {
  _i18n: null,
  csrf() { return document.querySelector('meta[name="csrf-token"]').content; },
  lang() { return document.documentElement.lang || "ru"; },
  t(message, values) {
    if (this._i18n === null) {
      const el = document.getElementById("i18n");
      this._i18n = el ? JSON.parse(el.textContent) : {};
    }
    let s = this._i18n[message] || message;
    for (const [k, v] of Object.entries(values || {})) s = s.replace(`{${k}}`, String(v));
    return s;
  },
  label(code) { return code === null || code === undefined || code === "" ? "" : this.t(String(code)).replace(/_/g, " "); },
  num(value, digits = 0) {
    return Number(value || 0).toLocaleString(this.lang() === "ru" ? "ru-RU" : "en-GB",
      { minimumFractionDigits: digits, maximumFractionDigits: digits });
  },
  pct(fraction, digits = 1) { return this.num(100 * Number(fraction || 0), digits) + (this.lang() === "ru" ? "\u00a0%" : "%"); },
  dur(seconds) {
    const s = Math.max(0, Math.round(Number(seconds) || 0)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  },
  // The user's time zone (app_user.time_zone, else the site's), the one the server formats pages in.
  zone() { const m = document.querySelector('meta[name="time-zone"]'); return (m && m.content) || undefined; },
  _parts: null,
  // Year, month, day, hour, minute, second of a moment on the user's clock, whatever the browser's zone.
  parts(x) {
    if (this._parts === null) {
      const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        second: "2-digit", hourCycle: "h23" };
      try { this._parts = new Intl.DateTimeFormat("en-GB", { ...opts, timeZone: this.zone() }); }
      catch (e) { this._parts = new Intl.DateTimeFormat("en-GB", opts); }
    }
    const o = {};
    for (const part of this._parts.formatToParts(x)) o[part.type] = part.value;
    return o;
  },
  clock(x, seconds = true) { const o = this.parts(x); return seconds ? `${o.hour}:${o.minute}:${o.second}` : `${o.hour}:${o.minute}`; },
  // A datetime-local value ("2026-12-05T14:30") read on the user's clock, as an ISO moment in UTC.
  fromLocal(raw) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(raw || "");
    if (!m) return null;
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    const offset = (t) => { const o = this.parts(new Date(t)); return Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour, +o.minute, +o.second) - t; };
    let t = wall - offset(wall);
    t = wall - offset(t);  // again, in case the guess fell on the other side of a DST change
    return new Date(t).toISOString();
  },
  dt(iso) {
    if (!iso) return "";
    const o = this.parts(new Date(iso)), clock = `${o.hour}:${o.minute}`;
    return this.lang() === "ru" ? `${o.day}.${o.month}.${o.year} ${clock}` : `${o.year}-${o.month}-${o.day} ${clock}`;
  },
  async api(method, url, body) {
    const resp = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (resp.status === 401) { location.href = `/login?next=${encodeURIComponent(location.pathname)}`; throw new Error(this.t("Your session has ended: sign in again.")); }
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      const d = data.detail;
      if (Array.isArray(d)) {
        throw new Error(d.map((e) => `${this.label((e.loc || []).slice(-1)[0] || "")}: ${this.t(e.msg || "")}`).join("; "));
      }
      throw new Error(this.t(typeof d === "string" ? d : resp.statusText));
    }
    return data;
  },
  listen(url, onData) {
    const es = new EventSource(url);
    es.onmessage = (ev) => { try { onData(JSON.parse(ev.data)); } catch (e) { console.error(e); } };
    return es;
  },
  text(el, value) { if (el) el.textContent = value === null || value === undefined ? "" : String(value); },
  // A save's answer next to its form: green "saved", red error; they never look alike.
  ok(el, message) { if (el) { el.className = "msg flash ok"; el.setAttribute("role", "status"); el.textContent = message || this.t("Saved."); } },
  fail(el, message) { if (el) { el.className = "msg flash error"; el.setAttribute("role", "alert"); el.textContent = message; } },
};
