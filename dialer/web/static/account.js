// Self-service password change: the session is renewed by the server, so the page reloads with ?saved=1.
"use strict";
(() => {
  const d = window.dialer;
  const f = document.getElementById("password-form");
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await d.api("POST", "/api/me/password", { current: f.current.value, new: f.new.value, confirm: f.confirm.value });
      const u = new URL(location.href); u.searchParams.set("saved", "1"); location.replace(u.toString());
    } catch (e) { d.fail(document.getElementById("password-msg"), e.message); }
  });
})();
