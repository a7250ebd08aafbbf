// 亮灯趋势: weekly counts per light as stacked bars (ECharts, vendored). The table under the chart
// carries the same numbers for readers without scripts.
(function () {
  var el = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el);
  var series = [
    ["已完成", data.done, "#9ca3af"],
    ["绿灯", data.green, "#2fb344"],
    ["黄灯", data.yellow, "#f59f00"],
    ["红灯", data.red, "#d63939"]
  ].map(function (s) {
    return {name: s[0], type: "bar", stack: "lights", data: s[1], itemStyle: {color: s[2]}, barMaxWidth: 28};
  });
  chart.setOption({
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {top: 0, data: ["红灯", "黄灯", "绿灯", "已完成"]},
    grid: {left: 8, right: 8, bottom: 8, top: 36, containLabel: true},
    xAxis: {type: "category", data: data.labels, name: "周末"},
    yAxis: {type: "value", name: "项目数", minInterval: 1},
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
