/* Operations-centre pages: period picker and ECharts charts drawn from <script type="application/json">
   data blocks (rendered by Django's json_script). No inline script: the CSP forbids it. */
(function () {
  "use strict";

  function togglePeriodFields(form) {
    var kind = form.querySelector("[data-period-kind]");
    if (!kind) { return; }
    function apply() {
      form.querySelectorAll("[data-period]").forEach(function (field) {
        var on = field.getAttribute("data-period") === kind.value;
        field.hidden = !on;
        field.querySelectorAll("input, select").forEach(function (input) { input.disabled = !on; });
      });
    }
    kind.addEventListener("change", apply);
    apply();
  }

  // Numbers as the page's reader writes them: in Vietnamese 4.000 and 0,5 (ECharts' own default
  // is 4,000 and 0.5).
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 2 });
  function number(value) {
    return typeof value === "number" && isFinite(value) ? numbers.format(value) : (value == null ? "—" : String(value));
  }

  function option(data) {
    var rateAxis = data.series.some(function (s) { return s.axis === 1; });
    var yAxis = [{ type: "value", name: data.unit || "", minInterval: 1, axisLabel: { formatter: number } }];
    if (rateAxis) { yAxis.push({ type: "value", name: "%", max: 100, min: 0, axisLabel: { formatter: number } }); }
    return {
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: number },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: rateAxis ? 48 : 16, top: 40, bottom: 32, containLabel: true },
      xAxis: data.time ? { type: "time" } : { type: "category", data: data.labels },
      yAxis: yAxis,
      series: data.series.map(function (s) {
        return {
          name: s.name, type: s.type || "line", data: s.data, yAxisIndex: s.axis || 0,
          connectNulls: true, showSymbol: true, lineStyle: s.dashed ? { type: "dashed" } : undefined,
          step: s.step || false
        };
      })
    };
  }

  function drawCharts() {
    if (typeof window.echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(data));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.ioc-filters").forEach(togglePeriodFields);
    drawCharts();
  });
})();
