// Wallboard: one SSE frame a second from the read model; tables rebuilt, tiles and chart updated.
"use strict";
(() => {
  const d = window.dialer;
  const root = document.getElementById("wallboard");
  const $ = (id) => document.getElementById(id);
  const chart = new window.LiveChart($("wb-chart"), [
    { label: d.t("Calls in flight"), color: "#1f6feb" },
    { label: d.t("Waiting for an operator"), color: "#8250df" },
    { label: d.t("Abandon rate, last hour"), color: "#b42318", pct: true },
    { label: d.t("Target, %"), color: "#777", pct: true, dash: true },
  ]);
  const row = (tbody, cells, cls) => {
    const tr = document.createElement("tr"); if (cls) tr.className = cls;
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); }
    tbody.appendChild(tr);
  };
  const fill = (id, items, cells, empty, cls) => {
    const tbody = document.querySelector(`#${id} tbody`); tbody.replaceChildren();
    if (!items.length) { row(tbody, [empty], "empty"); tbody.firstChild.firstChild.colSpan = 13; tbody.firstChild.firstChild.className = "muted"; return; }
    for (const x of items) row(tbody, cells(x), cls(x));
  };
  d.listen(root.dataset.events, (f) => {
    d.text($("wb-flight"), d.num(f.calls_in_flight)); d.text($("wb-waiting"), d.num(f.waiting));
    d.text($("wb-ready"), d.num(f.by_state.ready)); d.text($("wb-oncall"), d.num(f.by_state.on_call));
    d.text($("wb-day"), d.pct(f.abandon_day)); d.text($("wb-hour"), d.pct(f.abandon_hour));
    $("wb-day-tile").classList.toggle("bad", f.abandon_day > f.cap);
    $("wb-hour-tile").classList.toggle("bad", f.abandon_hour > f.cap);
    document.querySelectorAll(".wb-cap").forEach((el) => d.text(el, d.pct(f.cap)));
    fill("wb-operators", f.operators, (o) => [o.name, d.label(o.state), d.dur(o.state_s), o.campaign, o.call_s === null ? "" : d.dur(o.call_s)],
      d.t("No operator is logged in."), (o) => `st-${o.state}`);
    fill("wb-campaigns", f.campaigns, (c) => [c.name, d.label(c.status), d.num(c.operators), d.num(c.calls_in_flight), d.num(c.waiting),
      d.num(c.dialled_hour), d.num(c.bridged_hour), d.pct(c.abandon_day), d.pct(c.abandon_hour), d.pct(c.cap),
      ...(c.inbound ? [`${d.pct(c.inbound.service_level)} / ${d.pct(c.inbound.target_share)}`, `${d.num(c.inbound.asa_s, 1)} ${d.t("s")}`,
        `${d.num(c.inbound.abandoned)} / ${d.num(c.inbound.offered)}`] : ["—", "—", "—"])],
      d.t("No campaigns."), (c) => (c.over_cap ? "bad" : ""));
    d.text($("wb-updated"), `${d.t("updated")} ${d.clock(new Date())}`);
    chart.push([f.calls_in_flight, f.waiting, 100 * f.abandon_hour, 100 * f.cap]);
  });
})();
