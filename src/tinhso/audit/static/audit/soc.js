// SOC page: failed logins per hour as an ECharts bar chart when ECharts is served locally;
// without it the data table below the chart stays the only view.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("soc-failed-chart");
    if (!holder || typeof window.echarts === "undefined") { return; }
    var source = document.getElementById(holder.dataset.source);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 10, top: 10, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#a3141b" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
