// Operator desk: live state over SSE, Ready/Pause, dispositions with keys 1..9, wrap-up timer.
"use strict";
(() => {
  const d = window.dialer;
  const $ = (id) => document.getElementById(id);
  const msg = (t) => { if (t) d.fail($("desk-msg"), t); else d.text($("desk-msg"), ""); };
  const labels = JSON.parse(($("disp-labels") || {}).textContent || "{}");
  // What happened on a call, in words: the campaign's disposition label, else the outcome.
  const outcome = (o, code) => (code && labels[code]) || (o === null || o === undefined ? d.t("in progress")
    : o === "connected" ? d.t("connected, no result recorded") : d.label(o));
  let current = null;
  let wrapStart = null;
  let kept = null;  // the call the operator said is a person (the machine alert stays hidden for it)

  function renderCard(card) {
    const section = $("card-section");
    if (!card) { section.hidden = true; $("card").dataset.attempt = ""; renderScript(null); return; }
    section.hidden = false;
    if ($("card").dataset.attempt === String(card.attempt_id)) return;
    $("card").dataset.attempt = String(card.attempt_id);
    d.text($("c-company"), card.company); d.text($("c-specialty"), card.specialty);
    d.text($("c-headcount"), card.headcount); d.text($("c-person"), card.contact_person); d.text($("c-phone"), card.phone);
    const prev = $("c-previous"); prev.replaceChildren();
    for (const p of card.previous) {
      const li = document.createElement("li");
      li.textContent = `${d.dt(p.at)} — ${outcome(p.outcome, p.disposition)} ${p.notes ? "«" + p.notes + "»" : ""}`;
      prev.appendChild(li);
    }
    const box = $("dispositions"); box.replaceChildren();
    for (const x of card.dispositions) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "disp"; b.dataset.code = x.code; b.dataset.callback = String(x.callback);
      if (x.key) { const k = document.createElement("kbd"); k.textContent = x.key; b.appendChild(k); b.append(" "); }
      b.append(x.label); box.appendChild(b);
    }
    $("notes").value = ""; $("next-action").value = "";
    renderScript(card.script);
  }

  // The script panel: HTML the server rendered with every contact field escaped (dialer.callscripts).
  function renderScript(script) {
    const section = $("script-section");
    if (!section) return;
    if (!script) { section.hidden = true; $("script").replaceChildren(); return; }
    section.hidden = false;
    const v = $("script-version");
    v.dataset.version = String(script.version); v.dataset.arm = script.arm || "";
    d.text(v, d.t("v{n}", { n: script.version }) + (script.arm ? " · " + d.t("version {arm}", { arm: script.arm }) : ""));
    $("script").innerHTML = script.html;
  }

  function render(state) {
    current = state;
    d.text($("state"), d.label(state.state)); $("state").dataset.code = state.state;
    d.text($("state-for"), d.dur(state.state_for_s));
    if (state.state === "wrap_up") { wrapStart = Date.now() - state.state_for_s * 1000; $("wrapup").hidden = false; }
    else { wrapStart = null; $("wrapup").hidden = true; }
    renderCard(state.card);
    const machine = state.state === "on_call" && state.card && state.card.amd_status === "MACHINE";
    if ($("machine-alert")) $("machine-alert").hidden = !machine || kept === state.card.attempt_id;
  }

  async function dispose(code, callback) {
    const attempt = $("card").dataset.attempt;
    if (!attempt) return;
    const raw = $("next-action").value;
    if (callback && !raw) { msg(d.t("A callback needs the next action date and time.")); $("next-action").focus(); return; }
    const next = raw ? d.fromLocal(raw) : null;  // the time the operator typed, on their clock
    try {
      const r = await d.api("POST", "/api/operator/disposition",
        { attempt_id: Number(attempt), code, notes: $("notes").value || null, next_action_at: next });
      render(r.state); d.ok($("desk-msg")); await refreshCalls();
    } catch (e) { msg(e.message); }
  }

  async function refreshCalls() {
    const rows = await d.api("GET", "/api/operator/calls");
    const tbody = document.querySelector("#recent-calls tbody"); tbody.replaceChildren();
    for (const r of rows.slice(0, 20)) {
      const tr = document.createElement("tr");
      for (const v of [d.dt(r.at), r.phone, r.company || "", outcome(r.outcome, r.disposition), r.notes || ""]) {
        const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
  }

  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.disp");
    if (b) dispose(b.dataset.code, b.dataset.callback === "true");
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    // by key position, so M and P work on a Russian layout too
    if (ev.code === "KeyM" && $("btn-machine")) { ev.preventDefault(); $("btn-machine").click(); return; }
    if (ev.code === "KeyP" && $("machine-alert") && !$("machine-alert").hidden) { ev.preventDefault(); $("btn-person").click(); return; }
    if (/^[1-9]$/.test(ev.key)) {
      const b = document.querySelectorAll("#dispositions button.disp")[Number(ev.key) - 1];
      if (b) { ev.preventDefault(); b.click(); }
    }
  });
  const campaign = () => Number(($("campaign") || {}).value);
  const act = async (url, body) => { try { render(await d.api("POST", url, body)); msg(""); } catch (e) { msg(e.message); } };
  if ($("btn-login")) $("btn-login").onclick = () => act("/api/operator/login", { campaign_id: campaign() });
  if ($("btn-ready")) $("btn-ready").onclick = () => act("/api/operator/ready");
  if ($("btn-record")) $("btn-record").onclick = () => act("/api/operator/record");
  if ($("btn-machine")) $("btn-machine").onclick = () => act("/api/operator/machine", { keep: false });
  if ($("btn-person")) $("btn-person").onclick = () => {
    kept = current && current.card ? current.card.attempt_id : null;
    act("/api/operator/machine", { keep: true });
  };
  if ($("btn-pause")) $("btn-pause").onclick = () => act("/api/operator/pause", { reason: $("pause-code").value });
  setInterval(() => { if (wrapStart !== null) d.text($("wrapup-s"), d.dur((Date.now() - wrapStart) / 1000)); }, 250);
  d.listen($("desk").dataset.events, render);
})();
