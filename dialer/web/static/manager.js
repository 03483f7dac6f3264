// Campaign list live progress (SSE), start/pause/stop, YAML apply.
"use strict";
(() => {
  const d = window.dialer;
  const table = document.getElementById("campaigns");
  if (table) {
    d.listen(table.dataset.events, (data) => {
      for (const c of data.campaigns) {
        const tr = table.querySelector(`tr[data-id="${c.id}"]`);
        if (!tr) continue;
        const set = (k, v) => { const el = tr.querySelector(`[data-k="${k}"]`); if (el) { if (el.tagName === "PROGRESS") el.value = v; else d.text(el, v); } };
        set("status", d.label(c.status));
        for (const k of ["dialable", "dialled", "answered", "bridged", "abandoned", "positive", "callbacks"]) set(k, d.num(c.funnel[k]));
        set("done_pct", c.funnel.done_pct);
        set("done_pct_text", d.pct(c.funnel.done_pct / 100));
      }
    });
  }
  const buttons = document.getElementById("status-buttons");
  if (buttons) {
    buttons.addEventListener("click", async (ev) => {
      const b = ev.target.closest("button[data-status]");
      if (!b) return;
      const msg = document.getElementById("status-msg");
      try {
        const r = await d.api("POST", `/api/campaigns/${buttons.dataset.campaign}/status`, { status: b.dataset.status });
        d.text(document.getElementById("status"), d.label(r.status)); d.ok(msg);
      } catch (e) { d.fail(msg, e.message); }
    });
  }
  const hourly = document.getElementById("hourly");
  if (hourly) {
    // The campaign's last 24 hours, hour by hour; the abandon rate on the percent axis.
    const chart = new window.LiveChart(hourly, [
      { label: d.t("Dialled"), color: "#1f6feb" },
      { label: d.t("Bridged"), color: "#1a7f37" },
      { label: d.t("Abandoned"), color: "#e16f24" },
      { label: d.t("Abandon rate"), color: "#b42318", pct: true, digits: 1 },
    ], 24, true);
    d.api("GET", hourly.dataset.src).then((h) => chart.set(h.hours, [h.dialled, h.bridged, h.abandoned,
      h.abandon_rate.map((r) => (r === null ? null : 100 * r))])).catch((e) => d.fail(document.getElementById("status-msg"), e.message));
  }
  const yaml = document.getElementById("campaign-yaml");
  if (yaml) {
    yaml.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { const r = await d.api("POST", "/api/campaigns", { yaml: yaml.yaml.value }); location.href = `/manager/campaigns/${r.id}?saved=1`; }
      catch (e) { d.fail(document.getElementById("yaml-msg"), e.message); }
    });
  }
})();
