// Live line charts on uPlot (vendored from npm, MIT: /static/uplot-LICENSE.txt): a time axis, a count axis
// on the left, a percent axis on the right, a legend with the current values. Rates are always percents.
"use strict";
window.LiveChart = class {
  constructor(el, series, capacity = 600, hourly = false) {
    const d = window.dialer;
    this.capacity = capacity;
    this.data = [[], ...series.map(() => [])];
    const pct = (u, vals) => vals.map((v) => (v === null ? "" : d.num(v, 1) + (d.lang() === "ru" ? " %" : "%")));
    const width = Math.max(320, el.clientWidth || 640);
    const clock = (v) => {  // on the user's clock (window.dialer.zone), as the server formats the pages
      const t = new Date(v * 1000);
      return hourly ? `${d.parts(t).hour}:00` : d.clock(t);
    };
    this.plot = new window.uPlot({
      width, height: 280,
      scales: { x: { time: true }, n: { range: (u, lo, hi) => [0, Math.max(4, hi * 1.2)] },
        pct: { range: (u, lo, hi) => [0, Math.max(5, hi * 1.3)] } },
      axes: [
        { label: d.t("When"), space: 70, values: (u, vals) => vals.map((v) => clock(v)),
          incrs: hourly ? [3600, 7200, 10800, 21600] : [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600] },
        { scale: "n", label: d.t("calls"), values: (u, vals) => vals.map((v) => d.num(v)) },
        { scale: "pct", side: 1, label: "%", values: pct, grid: { show: false } },
      ],
      series: [
        { label: d.t("When"), value: (u, v) => (v === null ? "" : clock(v)) },
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: s.dash ? 1.5 : 2, dash: s.dash ? [6, 4] : undefined,
          scale: s.pct ? "pct" : "n",
          value: s.pct ? (u, v) => (v === null ? "" : d.num(v, 2) + (d.lang() === "ru" ? " %" : "%")) : (u, v) => (v === null ? "" : d.num(v, s.digits || 0)),
        })),
      ],
      legend: { live: true },
    }, this.data, el);
    window.addEventListener("resize", () => this.plot.setSize({ width: Math.max(320, el.clientWidth), height: 280 }));
  }
  // The whole data at once (x in seconds; series aligned with the constructor's).
  set(xs, columns) {
    this.data = [xs, ...columns.map((c) => c.map((v) => (v === null || v === undefined ? null : Number(v))))];
    this.plot.setData(this.data);
  }
  push(values) {
    this.data[0].push(Date.now() / 1000);
    values.forEach((v, i) => this.data[i + 1].push(v === null || v === undefined ? null : Number(v)));
    if (this.data[0].length > this.capacity) this.data.forEach((s) => s.shift());
    this.plot.setData(this.data);
  }
};
