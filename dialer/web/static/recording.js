// QA player: playback speed, scorecard submission.
"use strict";
(() => {
  const d = window.dialer;
  const player = document.getElementById("player");
  document.querySelectorAll("button.speed").forEach((b) => { b.onclick = () => { player.playbackRate = Number(b.dataset.rate); }; });
  const form = document.getElementById("score");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const scores = {};
    form.querySelectorAll('input[type="number"]').forEach((i) => { scores[i.name] = Number(i.value); });
    try {
      const r = await d.api("POST", `/api/recordings/${form.dataset.recording}/score`, { scores, comment: form.comment.value || null });
      d.text(document.getElementById("score-msg"), `Saved (total ${r.total}).`);
      const li = document.createElement("li"); li.textContent = `now: ${r.total}${form.comment.value ? " — " + form.comment.value : ""}`;
      document.getElementById("scores").prepend(li);
    } catch (e) { d.text(document.getElementById("score-msg"), e.message); }
  });
})();
