// Draws a KPI's chart with uPlot (copied into the site's assets) from the JSON the page carries:
// every stored week, with the target's thresholds when the KPI has one. Sets data-points to
// the number of weeks drawn, for tests and for whoever wonders.
(function () {
  var chart = document.getElementById('chart');
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var format = function (value) {
    if (value === null || value === undefined) return '–';
    if (data.unit === 'percent') return (value * 100).toFixed(1) + '%';
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  };
  var series = [
    { label: 'week', value: function (_plot, _x, index) { return index === null ? '' : data.weeks[index]; } },
    { label: 'value', stroke: '#2f5f8a', width: 2, points: { show: true, size: 5 }, value: function (_plot, value) { return format(value); } },
  ];
  var columns = [data.x, data.values];
  if (data.green) {
    series.push({ label: 'green threshold', stroke: '#3c9a57', dash: [6, 4], width: 1, points: { show: false }, value: function (_plot, value) { return format(value); } });
    series.push({ label: 'amber threshold', stroke: '#c9a227', dash: [6, 4], width: 1, points: { show: false }, value: function (_plot, value) { return format(value); } });
    columns.push(data.green, data.amber);
  }
  var plot = new uPlot(
    {
      width: Math.max(320, Math.min(chart.clientWidth || 900, 1000)),
      height: 300,
      series: series,
      axes: [{}, { values: function (_plot, ticks) { return ticks.map(format); }, size: 60 }],
      scales: { x: { time: true } },
    },
    columns,
    chart,
  );
  chart.dataset.points = String(plot.data[0].length);
})();
