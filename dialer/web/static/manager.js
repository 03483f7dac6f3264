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
        set("status", c.status);
        for (const k of ["contacts", "dialled", "answered", "bridged", "abandoned", "positive", "callbacks", "done_pct"]) set(k, c.funnel[k]);
        set("done_pct_text", c.funnel.done_pct);
      }
    });
  }
  const buttons = document.getElementById("status-buttons");
  if (buttons) {
    buttons.addEventListener("click", async (ev) => {
      const b = ev.target.closest("button[data-status]");
      if (!b) return;
      try {
        const r = await d.api("POST", `/api/campaigns/${buttons.dataset.campaign}/status`, { status: b.dataset.status });
        d.text(document.getElementById("status"), r.status); d.text(document.getElementById("status-msg"), "");
      } catch (e) { d.text(document.getElementById("status-msg"), e.message); }
    });
  }
  const yaml = document.getElementById("campaign-yaml");
  if (yaml) {
    yaml.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { const r = await d.api("POST", "/api/campaigns", { yaml: yaml.yaml.value }); location.href = `/manager/campaigns/${r.id}`; }
      catch (e) { d.text(document.getElementById("yaml-msg"), e.message); }
    });
  }
})();
