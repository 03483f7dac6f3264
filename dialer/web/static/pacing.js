// Pacing console: knob changes (each stored with who made it) and the live chart fed by SSE.
// The target is typed and shown as a percent; the API keeps the fraction (3 % <-> 0.03).
"use strict";
(() => {
  const d = window.dialer;
  const root = document.getElementById("console");
  const id = root.dataset.campaign;
  const form = document.getElementById("knobs");
  const msg = document.getElementById("knob-msg");
  const chart = new window.LiveChart(document.getElementById("chart"), [
    { label: d.t("Calls in flight"), color: "#1f6feb" },
    { label: d.t("Operators ready"), color: "#1a7f37" },
    { label: d.t("lines/operator"), color: "#bf8700", digits: 2 },
    { label: d.t("Abandon rate (hour), %"), color: "#b42318", pct: true },
    { label: d.t("Abandon rate today"), color: "#e16f24", pct: true },
    { label: d.t("Target, %"), color: "#777", pct: true, dash: true },
  ]);
  let target = Number(document.getElementById("effective-target").dataset.rate);
  const show = (elId, rate) => { const el = document.getElementById(elId); el.dataset.rate = rate; d.text(el, d.pct(rate)); };
  const knobText = (knob, v) => (["target_abandon_rate", "service_level_share"].includes(knob) ? d.pct(v)
    : knob === "mode" ? d.label(v) : String(v));

  function addHistory(changed, who) {
    const tbody = document.querySelector("#history tbody");
    for (const [knob, [oldV, newV]] of Object.entries(changed)) {
      const tr = document.createElement("tr");
      for (const v of [d.dt(new Date().toISOString()), who, d.label(knob), knobText(knob, oldV), knobText(knob, newV)]) {
        const td = document.createElement("td"); td.textContent = String(v); tr.appendChild(td);
      }
      tbody.prepend(tr);
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const changes = {
      target_abandon_rate: String(Number(form.target_abandon_rate_pct.value) / 100),
      min_lines_per_operator: form.min_lines_per_operator.value,
      max_lines_per_operator: form.max_lines_per_operator.value, max_lines: form.max_lines.value,
      mode: form.mode.value, paused: form.paused.checked,
    };
    try {
      const r = await d.api("POST", `/api/campaigns/${id}/pacing`, { changes });
      target = r.effective.target_abandon_rate;
      show("current-target", r.knobs.target_abandon_rate); show("effective-target", target);
      const n = Object.keys(r.changed).length;
      d.ok(msg, n ? `${d.t("Saved.")} (${n})` : d.t("Nothing changed."));
      const who = (document.querySelector(".who") || {}).textContent || "";
      addHistory(r.changed, who.split(" ")[0]);
    } catch (e) { d.fail(msg, e.message); }
  });

  // a blended campaign's inbound target: typed as a percent and seconds, stored as a fraction and seconds
  const inbound = document.getElementById("inbound-target");
  if (inbound) {
    const inboundMsg = document.getElementById("inbound-msg");
    inbound.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const changes = {
        service_level_share: String(Number(inbound.service_level_pct.value) / 100),
        service_level_within_s: inbound.service_level_within_s.value,
      };
      try {
        const r = await d.api("POST", `/api/campaigns/${id}/pacing`, { changes });
        const n = Object.keys(r.changed).length;
        d.ok(inboundMsg, n ? `${d.t("Saved.")} (${n})` : d.t("Nothing changed."));
        const who = (document.querySelector(".who") || {}).textContent || "";
        addHistory(r.changed, who.split(" ")[0]);
      } catch (e) { d.fail(inboundMsg, e.message); }
    });
  }

  d.listen(root.dataset.events, (f) => {
    target = f.target_abandon_rate;
    show("current-target", f.requested_target_abandon_rate); show("effective-target", target);
    d.text(document.getElementById("f-calls"), d.num(f.calls_in_flight));
    d.text(document.getElementById("f-lpo"), d.num(f.lines_per_operator, 2));
    d.text(document.getElementById("f-day"), d.pct(f.abandon_day, 2));
    d.text(document.getElementById("f-hour"), d.pct(f.abandon_hour, 2));
    d.text(document.getElementById("f-ops"), Object.entries(f.operators_by_state).map(([k, v]) => `${d.label(k)} ${v}`).join(", ") || d.t("none"));
    d.text(document.getElementById("f-decision-text"), f.decision_text || "");
    d.text(document.getElementById("f-decision"), f.decision || "");
    const st = f.operators_by_state;
    chart.push([f.calls_in_flight, st.ready || 0, f.lines_per_operator,
      100 * f.abandon_hour, 100 * f.abandon_day, 100 * target]);
  });
})();
