// Draws the report's charts from the JSON embedded in the page (ECharts, SVG renderer, no animation).
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var rep = data.report;
  var models = rep.models;
  var names = models.map(function (m) { return m.name; });
  var base = { animation: false, tooltip: { trigger: 'item' }, grid: { left: 70, right: 30, top: 30, bottom: 90 } };
  function opts(extra) { return Object.assign({}, base, extra); }
  // Accuracy axes start a little below the lowest value, so that small differences show.
  function below(v) { return Math.max(0, Math.floor(v.min - 1)); }
  function bars(values, name, color, fromZero) {
    return opts({
      xAxis: { type: 'category', data: names, axisLabel: { rotate: 20, interval: 0 } },
      yAxis: { type: 'value', name: name, min: fromZero ? 0 : below },
      series: [{ type: 'bar', data: values, itemStyle: { color: color }, label: { show: true, position: 'top' } }]
    });
  }
  var builders = {
    pareto: function () {
      var pts = models.map(function (m) { return { name: m.name, value: [m.bytes, +(100 * m.acc).toFixed(2)] }; });
      var front = models.filter(function (m) { return m.pareto; })
        .sort(function (a, b) { return a.bytes - b.bytes; })
        .map(function (m) { return [m.bytes, +(100 * m.acc).toFixed(2)]; });
      return opts({
        xAxis: { type: 'log', name: 'bytes on disk', nameLocation: 'middle', nameGap: 30 },
        yAxis: { type: 'value', min: below, name: 'test accuracy (%)' },
        series: [
          { type: 'scatter', symbolSize: 12, data: pts, label: { show: true, formatter: '{b}', position: 'right' } },
          { type: 'line', data: front, itemStyle: { color: '#d62728' }, lineStyle: { type: 'dashed' }, name: 'Pareto front' }
        ]
      });
    },
    size: function () { return bars(models.map(function (m) { return m.bytes; }), 'bytes', '#1f77b4', true); },
    accuracy: function () {
      return bars(models.map(function (m) { return +(100 * m.acc).toFixed(2); }), '%', '#2ca02c');
    },
    latency: function () {
      return opts({
        legend: { data: ['p50', 'p95'] },
        xAxis: { type: 'category', data: names, axisLabel: { rotate: 20, interval: 0 } },
        yAxis: { type: 'value', name: 'ms' },
        series: [
          { name: 'p50', type: 'bar', data: models.map(function (m) { return m.p50Ms; }) },
          { name: 'p95', type: 'bar', data: models.map(function (m) { return m.p95Ms; }) }
        ]
      });
    },
    curves: function () {
      var keys = Object.keys(rep.curves);
      return opts({
        legend: { data: keys }, tooltip: { trigger: 'axis' },
        xAxis: { type: 'value', name: 'epoch', minInterval: 1 },
        yAxis: { type: 'value', scale: true, name: '%' },
        series: keys.map(function (k) {
          return { name: k, type: 'line', data: rep.curves[k].map(function (e) {
            return [e.epoch, +(100 * e.validationAccuracy).toFixed(2)]; }) };
        })
      });
    },
    sensitivity: function (c) {
      var layers = rep.sensitivity[c.key];
      return opts({
        xAxis: { type: 'category', data: layers.map(function (l) { return l.name; }) },
        yAxis: { type: 'value', name: 'points' },
        series: [{ type: 'bar', data: layers.map(function (l) { return +(100 * l.drop).toFixed(3); }),
          itemStyle: { color: '#ff7f0e' } }]
      });
    },
    confusion: function (c) {
      var m = models[c.model];
      var cells = [];
      var max = 1;
      m.confusion.forEach(function (row, i) {
        row.forEach(function (v, j) { cells.push([j, i, v]); max = Math.max(max, v); });
      });
      var labels = m.labels.length ? m.labels : m.confusion.map(function (r, i) { return '' + i; });
      // Beyond 15 classes the counts leave the cells (they show on hover) and the axes name every few classes.
      var many = labels.length > 15;
      return opts({
        tooltip: { trigger: 'item', formatter: function (p) {
          return labels[p.value[1]] + ' as ' + labels[p.value[0]] + ': ' + p.value[2]; } },
        grid: { left: 110, right: 30, top: 10, bottom: 80 },
        xAxis: { type: 'category', data: labels, axisLabel: { rotate: many ? 90 : 30, interval: many ? 'auto' : 0 } },
        yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { interval: many ? 'auto' : 0 } },
        visualMap: { min: 0, max: max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0,
          show: false },
        series: [{ type: 'heatmap', data: cells, label: { show: !many } }]
      });
    }
  };
  var rendered = 0;
  data.charts.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(builders[c.kind](c));
    if (el.querySelector('svg')) { rendered++; }
  });
  document.body.setAttribute('data-charts-rendered', rendered);
})();
