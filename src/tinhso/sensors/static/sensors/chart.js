/* Station charts with ECharts: hourly min/mean/max (30 days) and daily maxima of the dry season,
   with the limits of the uses as dashed lines. Data comes from a json_script block. */
(function () {
  "use strict";
  var data = document.getElementById("salinity-chart");
  if (!data || typeof echarts === "undefined") { return; }
  var chart = JSON.parse(data.textContent);
  var lang = document.documentElement.lang || "vi";
  var vi = lang.indexOf("vi") === 0;
  var names = vi ? { min: "Thấp nhất", mean: "Trung bình", max: "Cao nhất" }
                 : { min: "Minimum", mean: "Mean", max: "Maximum" };
  // Numbers as the page's reader writes them: in Vietnamese 0,5 g/L and 4.000 (ECharts' own
  // default is 0.5 and 4,000).
  var numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  function number(value) {
    return typeof value === "number" && isFinite(value) ? numbers.format(value) : (value == null ? "—" : String(value));
  }
  var limits = chart.thresholds.filter(function (t) { return t.value <= 4; }).map(function (t) {
    return { yAxis: t.value, name: t.name,
             label: { formatter: t.name + " " + number(t.value) + " g/L", position: "insideEndTop" } };
  });
  function draw(id, series) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var instance = echarts.init(el);
    instance.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return number(v) + " g/L"; } },
      legend: { top: 0 },
      grid: { left: 45, right: 15, top: 30, bottom: 55 },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: "g/L", axisLabel: { formatter: number } },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: series
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }
  var h = chart.hourly;
  if (h.max.length) {
    draw("chart-hourly", [
      { name: names.max, type: "line", showSymbol: false, data: h.max, lineStyle: { width: 1 },
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed" }, data: limits } },
      { name: names.mean, type: "line", showSymbol: false, data: h.mean },
      { name: names.min, type: "line", showSymbol: false, data: h.min, lineStyle: { width: 1 } }
    ]);
  }
  if (chart.daily.length) {
    draw("chart-daily", [
      { name: names.max, type: "line", showSymbol: false,
        data: chart.daily.map(function (d) { return [d[0], d[1]]; }),
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed" }, data: limits } },
      { name: names.mean, type: "line", showSymbol: false,
        data: chart.daily.map(function (d) { return [d[0], d[2]]; }) }
    ]);
  }
})();
