// Chart one numeric column of a datastore table with ECharts, reading the rows from the
// CKAN-compatible datastore_search action (first 1000 rows).
(function () {
  "use strict";
  var box = document.getElementById("chart");
  if (!box || typeof window.echarts === "undefined") { return; }
  var valueSelect = document.getElementById("chart-value");
  var labelSelect = document.getElementById("chart-label");
  var chart = window.echarts.init(box);
  // Numbers as the page's reader writes them: in Vietnamese 4.000 and 0,5.
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 4 });
  function number(v) { return typeof v === "number" && isFinite(v) ? numbers.format(v) : (v == null ? "—" : String(v)); }

  function draw() {
    var value = valueSelect.value;
    var label = labelSelect.value;
    var fields = label === "_id" ? ["_id", value] : [label, value];
    fetch(box.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ resource_id: box.dataset.resource, fields: fields, limit: 1000, records_format: "lists" })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (!body.success) { return; }
      var records = body.result.records;
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: number },
        grid: { left: 60, right: 20, bottom: 80 },
        xAxis: { type: "category", data: records.map(function (r) { return String(r[0]); }), axisLabel: { rotate: 45 } },
        yAxis: { type: "value", name: value, axisLabel: { formatter: number } },
        series: [{ type: "bar", name: value, data: records.map(function (r) { return r[1]; }) }]
      }, true);
    });
  }
  valueSelect.addEventListener("change", draw);
  labelSelect.addEventListener("change", draw);
  window.addEventListener("resize", function () { chart.resize(); });
  draw();
})();
