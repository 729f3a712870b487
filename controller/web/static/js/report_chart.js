// Draws the report's chart from the page's data (no figure is computed here): ECharts with
// the SVG renderer (sharp when printed), no animation, so a printed page shows it whole.
// On the report pages `chart.links[series][point]` is the drill-down of a point: a click
// opens the calls behind it (the printed page has no links).
(function () {
  "use strict";
  var holder = document.getElementById("report-chart");
  var data = JSON.parse(document.getElementById("page-data").textContent || "{}");
  if (!holder || !data.chart || typeof echarts === "undefined") {
    document.body.dataset.chartReady = "none";
    return;
  }
  var chart = data.chart;
  var kind = chart.kind === "bar" ? "bar" : "line";
  var option = {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 48, right: 24, top: 24, bottom: 56 },
    xAxis: { type: "category", data: chart.x, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value" },
    series: chart.series.map(function (s) {
      return { name: s.name, type: kind, data: s.data, showSymbol: chart.x.length <= 48 };
    }),
  };
  var locale = data.language === "zh" ? "ZH" : "EN";
  var instance = echarts.init(holder, null, { renderer: "svg", locale: locale });
  instance.setOption(option);
  if (chart.links) {
    instance.on("click", function (event) {
      var links = chart.links[event.seriesIndex] || [];
      var target = links[event.dataIndex];
      if (target) window.location.assign(target);
    });
  }
  window.pbxReportChart = instance; // for the browser tests: what the chart was given
  window.addEventListener("resize", function () { instance.resize(); });
  document.body.dataset.chartReady = "1";
})();
