// QA player: playback speed, scorecard submission.
"use strict";
(() => {
  const d = window.dialer;
  const player = document.getElementById("player");
  document.querySelectorAll("button.speed").forEach((b) => { b.onclick = () => { player.playbackRate = Number(b.dataset.rate); }; });
  // Waveform: operator on top, customer below, a playhead; a click seeks.
  const canvas = document.getElementById("waveform");
  if (canvas) {
    let wave = null;
    const draw = () => {
      if (!wave) return;
      const g = canvas.getContext("2d"), w = canvas.width, h = canvas.height, lanes = wave.channels.length;
      g.clearRect(0, 0, w, h);
      wave.channels.forEach((peaks, lane) => {
        const mid = (lane + 0.5) * h / lanes, half = h / lanes / 2 - 2;
        g.fillStyle = lane === 0 ? "#2563eb" : "#16a34a";
        peaks.forEach((p, i) => {
          const x = Math.floor(i * w / peaks.length), bw = Math.max(1, Math.ceil(w / peaks.length));
          g.fillRect(x, mid - p * half, bw, Math.max(1, 2 * p * half));
        });
      });
      if (wave.duration_s > 0) {
        g.fillStyle = "#dc2626";
        g.fillRect(Math.floor(player.currentTime / wave.duration_s * w), 0, 2, h);
      }
    };
    fetch(canvas.dataset.src, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
      wave = data; canvas.dataset.ready = String(data.channels.length); draw();
    });
    player.addEventListener("timeupdate", draw);
    canvas.addEventListener("click", (ev) => {
      if (!wave) return;
      const box = canvas.getBoundingClientRect();
      player.currentTime = (ev.clientX - box.left) / box.width * wave.duration_s;
      draw();
    });
  }
  const form = document.getElementById("score");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const scores = {};
    form.querySelectorAll('input[type="number"]').forEach((i) => { scores[i.name] = i.value.trim() === "" ? null : Number(i.value); });
    try {
      const r = await d.api("POST", `/api/recordings/${form.dataset.recording}/score`, { scores, comment: form.comment.value || null });
      d.ok(document.getElementById("score-msg"), `${d.t("Saved.")} ${d.t("Score")}: ${d.num(r.total, 0)}`);
      const none = document.getElementById("no-scores"); if (none) none.remove();
      const who = ((document.querySelector(".who") || {}).textContent || "").split(" ")[0];
      const li = document.createElement("li"); li.textContent = `${d.dt(new Date().toISOString())} ${who}: ${d.num(r.total, 0)}${form.comment.value ? " — " + form.comment.value : ""}`;
      document.getElementById("scores").prepend(li);
    } catch (e) { d.fail(document.getElementById("score-msg"), e.message); }
  });
})();
