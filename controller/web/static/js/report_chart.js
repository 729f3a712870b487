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
  var option = chart.kind === "timeline" ? timeline(chart) : {
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
  if (chart.kind === "timeline") {
    // A row per agent: the chart's height follows the number of agents.
    holder.style.height = Math.max(160, chart.agents.length * 34 + 90) + "px";
  }
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

  // Agents' states as bars along the time axis: one custom series per state (the legend's
  // colours). Times are the site's wall clock written as UTC, drawn with useUTC.
  function timeline(chart) {
    var states = [];
    chart.spans.forEach(function (span) {
      if (states.indexOf(span[3]) < 0) states.push(span[3]);
    });
    function escape(value) {
      return String(value).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    }
    function clock(ms) {
      return new Date(ms).toISOString().slice(11, 19);
    }
    function renderSpan(params, api) {
      var agent = api.value(0);
      var from = api.coord([api.value(1), agent]);
      var to = api.coord([api.value(2), agent]);
      var height = api.size([0, 1])[1] * 0.6;
      var rect = echarts.graphic.clipRectByRect(
        { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 1), height: height },
        {
          x: params.coordSys.x,
          y: params.coordSys.y,
          width: params.coordSys.width,
          height: params.coordSys.height,
        }
      );
      return rect && { type: "rect", shape: rect, style: api.style() };
    }
    return {
      animation: false,
      useUTC: true,
      legend: { bottom: 0 },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var v = p.value;
          // The tooltip is HTML: the names are escaped.
          return escape(chart.agents[v[0]] + " · " + v[3] + (v[4] ? " (" + v[4] + ")" : "")) +
            "<br>" + clock(v[1]) + " – " + clock(v[2]);
        },
      },
      grid: { left: 64, right: 24, top: 16, bottom: 56 },
      // A day's boundary reads as its date (ECharts' default is the bare day of the month).
      xAxis: {
        type: "time", min: chart.min, max: chart.max,
        axisLabel: {
          hideOverlap: true,
          formatter: { year: "{yyyy}", month: "{MM}-{dd}", day: "{MM}-{dd}", hour: "{HH}:{mm}", minute: "{HH}:{mm}" },
        },
      },
      yAxis: { type: "category", data: chart.agents, inverse: true },
      series: states.map(function (state) {
        return {
          type: "custom",
          name: state,
          renderItem: renderSpan,
          encode: { x: [1, 2], y: 0 },
          data: chart.spans.filter(function (span) { return span[3] === state; }),
        };
      }),
    };
  }
})();
