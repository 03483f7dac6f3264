// Users management: create, change role / active (the user's sessions end), add operators.
// Each save reloads the page with ?saved=1 (a green confirmation); an error shows in red next to its form.
"use strict";
(() => {
  const d = window.dialer;
  const saved = () => { const u = new URL(location.href); u.searchParams.set("saved", "1"); location.replace(u.toString()); };
  document.getElementById("users").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.save-user");
    if (!b) return;
    const tr = b.closest("tr");
    try {
      await d.api("POST", `/api/users/${tr.dataset.id}`, { role: tr.querySelector(".role").value, active: tr.querySelector(".active").checked });
      saved();
    } catch (e) { d.fail(document.getElementById("users-msg"), e.message); }
  });
  const nu = document.getElementById("new-user");
  nu.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await d.api("POST", "/api/users", { username: nu.username.value, password: nu.password.value, role: nu.role.value,
        operator_id: nu.operator_id.value ? Number(nu.operator_id.value) : null });
      saved();
    } catch (e) { d.fail(document.getElementById("new-user-msg"), e.message); }
  });
  const rp = document.getElementById("reset-password");
  rp.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await d.api("POST", `/api/users/${Number(rp.user_id.value)}`, { password: rp.password.value }); saved(); }
    catch (e) { d.fail(document.getElementById("reset-password-msg"), e.message); }
  });
  const no = document.getElementById("new-operator");
  no.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await d.api("POST", "/api/operators", { login: no.login.value, name: no.name.value, sip_endpoint: no.sip_endpoint.value }); saved(); }
    catch (e) { d.fail(document.getElementById("new-operator-msg"), e.message); }
  });
})();
