// A tiny multi-series line chart on a canvas (no library): series of numbers, each with its own scale.
"use strict";
window.LineChart = class {
  constructor(canvas, series, capacity = 120) {
    this.canvas = canvas; this.ctx = canvas.getContext("2d"); this.series = series; this.capacity = capacity;
    this.data = series.map(() => []);
  }
  push(values) {
    values.forEach((v, i) => { const s = this.data[i]; s.push(Number(v) || 0); if (s.length > this.capacity) s.shift(); });
    this.draw();
  }
  draw() {
    const { ctx, canvas } = this, w = canvas.width, h = canvas.height, pad = 28;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = "#e3e6ea"; ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) { const y = pad + (h - 2 * pad) * i / 4; ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 4, y); ctx.stroke(); }
    this.series.forEach((s, i) => {
      const pts = this.data[i];
      if (!pts.length) return;
      const max = s.max !== undefined ? s.max : Math.max(1, ...pts) * 1.2;
      ctx.strokeStyle = s.color; ctx.lineWidth = s.dash ? 1 : 2; ctx.setLineDash(s.dash ? [5, 4] : []);
      ctx.beginPath();
      pts.forEach((v, j) => {
        const x = pad + (w - pad - 4) * j / (this.capacity - 1);
        const y = h - pad - (h - 2 * pad) * Math.min(v, max) / max;
        if (j === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = s.color; ctx.font = "11px sans-serif";
      ctx.fillText(`${s.label}: ${pts[pts.length - 1]}`, pad + 4 + i * 150, 14);
    });
  }
};
