// Users management: create, change role / active (the user's sessions end), add operators.
"use strict";
(() => {
  const d = window.dialer;
  const msg = (t) => d.text(document.getElementById("users-msg"), t);
  document.getElementById("users").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.save-user");
    if (!b) return;
    const tr = b.closest("tr");
    try {
      await d.api("POST", `/api/users/${tr.dataset.id}`, { role: tr.querySelector(".role").value, active: tr.querySelector(".active").checked });
      location.reload();
    } catch (e) { msg(e.message); }
  });
  const nu = document.getElementById("new-user");
  nu.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await d.api("POST", "/api/users", { username: nu.username.value, password: nu.password.value, role: nu.role.value,
        operator_id: nu.operator_id.value ? Number(nu.operator_id.value) : null });
      location.reload();
    } catch (e) { msg(e.message); }
  });
  const no = document.getElementById("new-operator");
  no.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await d.api("POST", "/api/operators", { login: no.login.value, name: no.name.value, sip_endpoint: no.sip_endpoint.value }); location.reload(); }
    catch (e) { msg(e.message); }
  });
})();
