/**
 * The script of the HTML report, run in the browser: it reads the embedded data and draws the charts
 * with uPlot (inlined). It records that charts drew and any error in data attributes of <body>, so a
 * headless browser test can check them.
 */
export const HTML_CLIENT_SCRIPT = String.raw`
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message));
    document.body.dataset.errors = JSON.stringify(errors);
  });
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
  var width = function (el) { return Math.max(320, el.clientWidth - 8); };

  // Vertical dashed lines with labels where fault events happened.
  function markers(events) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx; ctx.save();
      events.forEach(function (ev) {
        var x = u.valToPos(ev.t, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = '#b91c1c'; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.fillStyle = '#b91c1c'; ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
        ctx.fillText(ev.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
      });
      ctx.restore();
    }] } };
  }

  function chart(el, title, series, columns, opts) {
    opts = opts || {};
    var options = {
      title: title, width: width(el), height: opts.height || 260,
      scales: opts.scales || { x: { time: false } },
      axes: opts.axes || [{ label: opts.xLabel || 'seconds' }, { label: opts.yLabel || '' }],
      series: [{ label: opts.xLabel || 't' }].concat(series.map(function (s, i) {
        return {
          label: s, stroke: palette[i % palette.length], width: 2, spanGaps: true,
          points: { show: columns[0].length < 40 },
        };
      })),
      plugins: opts.events && opts.events.length ? [markers(opts.events)] : [],
    };
    return new uPlot(options, columns, el);
  }

  data.runs.forEach(function (run, index) {
    var ts = run.timeseries;
    var t = ts.map(function (r) { return r.t; });
    var events = run.events;
    var el = function (name) { return document.getElementById(name + '-' + index); };
    // Stages, arrivals, sessions: the target count drawn beside the open count.
    var targeted = ts.some(function (r) { return r.target !== undefined; });
    chart(el('open'), 'Open connections and messages echoed per second',
      ['open connections', 'messages/s'].concat(targeted ? ['target'] : []),
      [t, ts.map(function (r) { return r.open; }), ts.map(function (r) { return r.received; })]
        .concat(targeted ? [ts.map(function (r) { return r.target; })] : []), { events: events });
    chart(el('latency'), 'Message round trip per second (ms)', ['p50', 'p99'],
      [t, ts.map(function (r) { return r.p50; }), ts.map(function (r) { return r.p99; })],
      { events: events, yLabel: 'ms' });
    var backends = run.backends;
    chart(el('backends'), 'Open connections per backend', backends,
      [t].concat(backends.map(function (b) { return ts.map(function (r) { return r.per_backend[b] || 0; }); })),
      { events: events });
  });

  // The classic HdrHistogram plot: latency by percentile, log scale of 1/(1-p).
  var curves = data.runs.map(function (run) { return run.curve; }).filter(function (c) { return c.x.length > 0; });
  if (curves.length > 0) {
    var xs = curves[0].x;
    var labels = { 1: '0%', 2: '50%', 10: '90%', 100: '99%', 1000: '99.9%', 10000: '99.99%', 100000: '99.999%' };
    var pctLabel = function (v) { return labels[Math.round(v)] || ''; };
    chart(document.getElementById('percentiles'), 'Message latency by percentile (ms, coordinated-omission corrected)',
      data.runs.filter(function (r) { return r.curve.x.length > 0; }).map(function (r) { return r.label; }),
      [xs].concat(curves.map(function (c) { return c.y; })), {
        height: 300,
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
        axes: [{
          label: 'percentile',
          splits: function () { return [1, 2, 10, 100, 1000, 10000, 100000]; },
          values: function (u, vals) { return vals.map(pctLabel); },
        }, { label: 'ms' }],
        xLabel: 'percentile',
      });
  }

  requestAnimationFrame(function () {
    var drawn = Array.prototype.filter.call(document.querySelectorAll('canvas'), function (c) {
      var ctx = c.getContext('2d'); var px = ctx.getImageData(0, 0, c.width, c.height).data;
      for (var i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
      return false;
    }).length;
    document.body.dataset.chartsDrawn = String(drawn);
    document.body.dataset.chartsTotal = String(document.querySelectorAll('canvas').length);
    document.body.dataset.errors = JSON.stringify(errors);
  });
})();
`;
