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
  const yaml = document.getElementById("campaign-yaml");
  if (yaml) {
    yaml.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { const r = await d.api("POST", "/api/campaigns", { yaml: yaml.yaml.value }); location.href = `/manager/campaigns/${r.id}?saved=1`; }
      catch (e) { d.fail(document.getElementById("yaml-msg"), e.message); }
    });
  }
})();
