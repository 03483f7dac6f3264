// Pacing console: knob changes (each stored with who made it) and the live chart fed by SSE.
"use strict";
(() => {
  const d = window.dialer;
  const root = document.getElementById("console");
  const id = root.dataset.campaign;
  const form = document.getElementById("knobs");
  const chart = new window.LineChart(document.getElementById("chart"), [
    { label: "in flight", color: "#1f6feb" },
    { label: "ready", color: "#1a7f37" },
    { label: "lines/operator", color: "#8250df", max: 4 },
    { label: "occupancy %", color: "#bf8700", max: 100 },
    { label: "abandon % hour", color: "#b42318", max: 10 },
    { label: "abandon % day", color: "#e16f24", max: 10 },
    { label: "target %", color: "#999", max: 10, dash: true },
  ]);
  let target = Number(document.getElementById("effective-target").textContent);

  function addHistory(changed, who) {
    const tbody = document.querySelector("#history tbody");
    for (const [knob, [oldV, newV]] of Object.entries(changed)) {
      const tr = document.createElement("tr");
      for (const v of [new Date().toISOString().slice(0, 19), who, knob, oldV, newV]) {
        const td = document.createElement("td"); td.textContent = String(v); tr.appendChild(td);
      }
      tbody.prepend(tr);
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const changes = {
      target_abandon_rate: form.target_abandon_rate.value, min_lines_per_operator: form.min_lines_per_operator.value,
      max_lines_per_operator: form.max_lines_per_operator.value, max_lines: form.max_lines.value,
      mode: form.mode.value, paused: form.paused.checked,
    };
    try {
      const r = await d.api("POST", `/api/campaigns/${id}/pacing`, { changes });
      target = r.effective.target_abandon_rate;
      d.text(document.getElementById("current-target"), r.knobs.target_abandon_rate);
      d.text(document.getElementById("effective-target"), target);
      const n = Object.keys(r.changed).length;
      d.text(document.getElementById("knob-msg"), n ? `Saved ${n} change(s).` : "Nothing changed.");
      const who = (document.querySelector(".who") || {}).textContent || "";
      addHistory(r.changed, who.split(" ")[0]);
    } catch (e) { d.text(document.getElementById("knob-msg"), e.message); }
  });

  d.listen(root.dataset.events, (f) => {
    target = f.target_abandon_rate;
    d.text(document.getElementById("current-target"), f.requested_target_abandon_rate);
    d.text(document.getElementById("effective-target"), target);
    d.text(document.getElementById("f-calls"), f.calls_in_flight);
    d.text(document.getElementById("f-lpo"), f.lines_per_operator);
    d.text(document.getElementById("f-day"), (100 * f.abandon_day).toFixed(2) + "%");
    d.text(document.getElementById("f-hour"), (100 * f.abandon_hour).toFixed(2) + "%");
    d.text(document.getElementById("f-ops"), Object.entries(f.operators_by_state).map(([k, v]) => `${k} ${v}`).join(", ") || "none");
    d.text(document.getElementById("f-decision"), f.decision || (f.live ? "" : "no live dialer attached"));
    const st = f.operators_by_state, busy = (st.on_call || 0) + (st.wrap_up || 0), present = busy + (st.ready || 0);
    chart.push([f.calls_in_flight, st.ready || 0, f.lines_per_operator, present ? 100 * busy / present : 0,
      +(100 * f.abandon_hour).toFixed(2), +(100 * f.abandon_day).toFixed(2), +(100 * target).toFixed(2)]);
  });
})();
