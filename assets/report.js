// honeyreport report script: starts every chart from the JSON in its
// <script type="application/json"> element, gives every chart a tooltip
// formatter that escapes all text (ECharts tooltips render HTML), and adds
// sorting, filtering and paging to the server-rendered tables. The page is
// complete without it. It makes no network requests and uses no eval.
(function () {
  'use strict';
  var doc = document;
  doc.documentElement.classList.add('js');
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var esc = function (s) { return window.echarts ? echarts.format.encodeHTML(String(s)) : ''; };
  var nf = function (n) { return typeof n === 'number' ? n.toLocaleString('en-US') : esc(n); };

  function row(k, v, cls) {
    return '<div class="tt-row"><span class="k">' + esc(k) + '</span><span class="v' + (cls ? ' ' + cls : '') + '">' + v + '</span></div>';
  }
  function detailRows(d) {
    var out = '';
    if (!d) return out;
    Object.keys(d).sort().forEach(function (k) {
      var v = String(d[k]);
      if (v.length > 48) out += '<div class="tt-row"><span class="k">' + esc(k) + '</span></div><span class="tt-long">' + esc(v) + '</span>';
      else out += row(k, esc(v));
    });
    return out;
  }
  function detail(spec, p) {
    var d = spec.details && spec.details[p.seriesIndex];
    return d ? d[p.dataIndex] : null;
  }
  var days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  // Formatters return class-based HTML: the CSP forbids inline style
  // attributes, and every string is escaped.
  var formatters = {
    axis: function (spec) {
      return function (ps) {
        if (!Array.isArray(ps)) ps = [ps];
        var out = '<div class="tt"><div class="tt-title">' + esc(ps.length ? ps[0].axisValueLabel : '') + '</div>';
        var total = 0;
        ps.forEach(function (p) {
          var v = Array.isArray(p.value) ? p.value[1] : p.value;
          total += +v || 0;
          if (+v) out += '<div class="tt-row"><span class="k"><span class="tt-dot c' + (p.seriesIndex % 10) + '"></span>' + esc(p.seriesName) + '</span><span class="v">' + nf(+v) + '</span></div>';
        });
        if (ps.length > 1) out += row('Total', nf(total));
        return out + '</div>';
      };
    },
    item: function (spec) {
      return function (p) {
        var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
        return '<div class="tt"><div class="tt-title">' + esc(p.name) + '</div>' + row(p.seriesName, nf(+v)) + detailRows(detail(spec, p)) + '</div>';
      };
    },
    pie: function (spec) {
      return function (p) {
        return '<div class="tt"><div class="tt-title">' + esc(p.name) + '</div>' + row('Alerts', nf(+p.value)) + row('Share', esc(p.percent) + '%') + '</div>';
      };
    },
    heatmap: function (spec) {
      return function (p) {
        var v = p.value || [0, 0, 0];
        var h = ('0' + v[0]).slice(-2);
        return '<div class="tt"><div class="tt-title">' + esc(days[v[1]] + ' ' + h + ':00–' + h + ':59 UTC') + '</div>' + row('Alerts', nf(+v[2])) + '</div>';
      };
    },
    map: function (spec) {
      return function (p) {
        return '<div class="tt"><div class="tt-title">' + esc(p.name) + '</div>' + detailRows(detail(spec, p)) + '</div>';
      };
    }
  };

  function theme(opt, spec, el) {
    var fg = dark ? '#c9d1e3' : '#3a4254', line = dark ? '#2a3242' : '#e3e7ef';
    opt.backgroundColor = 'transparent';
    opt.textStyle = { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', color: fg };
    opt.animation = false;
    if (opt.legend) opt.legend.textStyle = { color: fg };
    ['xAxis', 'yAxis'].forEach(function (k) {
      (opt[k] || []).forEach(function (ax) {
        ax.axisLabel = ax.axisLabel || {};
        ax.axisLabel.color = fg;
        ax.axisLine = { lineStyle: { color: line } };
        ax.splitLine = ax.splitLine || {};
        ax.splitLine.lineStyle = { color: line };
        ax.nameTextStyle = { color: fg };
        // Long category labels (user agents, organisations) must leave
        // room for the bars, above all on a phone.
        if (ax.type === 'category' && k === 'yAxis') {
          ax.axisLabel.width = Math.max(70, Math.min(240, Math.round(el.clientWidth * 0.34)));
          ax.axisLabel.overflow = 'truncate';
        }
      });
    });
    (opt.visualMap || []).forEach(function (vm) {
      vm.textStyle = { color: fg };
      if (dark && vm.inRange) vm.inRange.color = ['#1a2033', '#34448f', '#5c76f0', '#a9b8ff'];
    });
    if (opt.geo) {
      opt.geo.roam = true;
      opt.geo.scaleLimit = { min: 1, max: 12 };
      opt.geo.itemStyle = { areaColor: dark ? '#283044' : '#dfe3ea', borderColor: dark ? '#161b26' : '#ffffff', borderWidth: 0.5 };
      opt.geo.emphasis = { disabled: true };
      opt.geo.tooltip = { show: false };
      opt.geo.silent = true;
      // Crop the polar regions so the inhabited world fills the box.
      opt.geo.boundingCoords = [[-170, 78], [190, -56]];
      opt.geo.top = 8; opt.geo.bottom = 8; opt.geo.left = 8; opt.geo.right = 8;
    }
    (opt.series || []).forEach(function (s) { if (s.type === 'bar' && !s.stack) s.barMaxWidth = 26; });
    opt.tooltip = opt.tooltip || {};
    opt.tooltip.formatter = (formatters[spec.tooltip] || formatters.item)(spec);
    opt.tooltip.confine = true;
    opt.tooltip.className = 'tt-box';
    opt.tooltip.backgroundColor = dark ? '#1f2636' : '#ffffff';
    opt.tooltip.borderColor = line;
    opt.tooltip.textStyle = { color: dark ? '#e4e8f1' : '#1c2130' };
    opt.toolbox = { show: true, right: 0, top: 0, itemSize: 12, feature: { saveAsImage: { title: 'Save as PNG', pixelRatio: 2, backgroundColor: dark ? '#161b26' : '#ffffff' } } };
    if (opt.dataZoom) opt.dataZoom.forEach(function (z) { if (z.type === 'slider') { z.height = 18; z.bottom = 8; z.textStyle = { color: fg }; } });
    return opt;
  }

  function registerWorld() {
    var el = doc.getElementById('world-map');
    if (!el || !window.topojson || !window.echarts) return false;
    try {
      var topo = JSON.parse(el.textContent);
      var geo = topojson.feature(topo, topo.objects.countries);
      // Antarctica takes a fifth of the map and no attacker lives there.
      geo.features = geo.features.filter(function (f) { return f.id !== '010'; });
      // Rings that cross the antimeridian (Russia, Fiji) would be drawn
      // with a stroke across the whole map: move their western half east.
      geo.features.forEach(function (f) {
        var polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [];
        polys.forEach(function (poly) {
          poly.forEach(function (ring) {
            var west = false, east = false;
            ring.forEach(function (p) { if (p[0] < -150) west = true; if (p[0] > 150) east = true; });
            if (west && east) ring.forEach(function (p) { if (p[0] < 0) p[0] += 360; });
          });
        });
      });
      echarts.registerMap('world', geo);
      return true;
    } catch (e) {
      return false;
    }
  }

  var charts = [];
  function startCharts() {
    if (!window.echarts) return;
    var world = registerWorld();
    var els = doc.querySelectorAll('[data-chart]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var src = doc.getElementById(el.getAttribute('data-chart'));
      if (!src) continue;
      var spec;
      try { spec = JSON.parse(src.textContent); } catch (e) { continue; }
      if (spec.option.geo && !world) continue;
      el.textContent = '';
      var c = echarts.init(el, dark ? 'dark' : null, { renderer: 'canvas' });
      c.setOption(theme(spec.option, spec, el));
      charts.push(c);
    }
    var t;
    window.addEventListener('resize', function () {
      clearTimeout(t);
      t = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
    });
    window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // Tables: sort by clicking a header, filter with a search box, page.
  function cellValue(td) {
    var s = (td && td.textContent || '').trim();
    var n = s.replace(/[,%\s]/g, '');
    return n !== '' && !isNaN(n) ? { n: +n, s: s } : { n: null, s: s.toLowerCase() };
  }
  function enhance(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.querySelector('td.empty'); });
    if (rows.length < 2) return;
    var size = +table.getAttribute('data-page') || 0;
    var page = 0, shown = rows;
    var tools = null, info = null, pager = null;
    if (table.hasAttribute('data-filter') || (size && rows.length > size)) {
      tools = doc.createElement('div');
      tools.className = 'tools';
      if (table.hasAttribute('data-filter')) {
        var input = doc.createElement('input');
        input.type = 'search';
        input.placeholder = 'Filter rows…';
        input.setAttribute('aria-label', 'Filter ' + (table.caption ? table.caption.textContent : 'table'));
        input.addEventListener('input', function () {
          var q = input.value.trim().toLowerCase();
          shown = rows.filter(function (r) { return !q || r.textContent.toLowerCase().indexOf(q) >= 0; });
          page = 0;
          draw();
        });
        tools.appendChild(input);
      }
      info = doc.createElement('span');
      info.className = 'info';
      tools.appendChild(info);
      // Inside the caption the tools sit under the table's title.
      if (table.caption) table.caption.appendChild(tools);
      else table.parentNode.insertBefore(tools, table);
    }
    if (size && rows.length > size) {
      pager = doc.createElement('div');
      pager.className = 'pager';
      var prev = doc.createElement('button'), next = doc.createElement('button'), label = doc.createElement('span');
      prev.type = next.type = 'button';
      prev.textContent = '‹ Prev';
      next.textContent = 'Next ›';
      prev.addEventListener('click', function () { if (page > 0) { page--; draw(); } });
      next.addEventListener('click', function () { if ((page + 1) * size < shown.length) { page++; draw(); } });
      pager.appendChild(prev); pager.appendChild(label); pager.appendChild(next);
      pager.label = label; pager.prev = prev; pager.next = next;
      table.parentNode.insertBefore(pager, table.nextSibling);
    }
    function draw() {
      var from = size ? page * size : 0, to = size ? from + size : shown.length;
      rows.forEach(function (r) { r.classList.add('hidden'); });
      shown.slice(from, to).forEach(function (r) { r.classList.remove('hidden'); });
      if (info) info.textContent = shown.length ? ('Showing ' + (from + 1) + '–' + Math.min(to, shown.length) + ' of ' + shown.length) : 'No matching rows';
      if (pager) {
        var pages = Math.max(1, Math.ceil(shown.length / size));
        pager.label.textContent = 'Page ' + (page + 1) + ' of ' + pages;
        pager.prev.disabled = page === 0;
        pager.next.disabled = page + 1 >= pages;
      }
    }
    if (table.hasAttribute('data-sort') && table.tHead) {
      var ths = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(ths, function (th, col) {
        th.classList.add('sortable');
        th.tabIndex = 0;
        th.setAttribute('aria-sort', 'none');
        var sort = function () {
          var asc = th.getAttribute('aria-sort') !== 'ascending' && !(th.getAttribute('aria-sort') === 'none' && th.classList.contains('num'));
          Array.prototype.forEach.call(ths, function (o) { o.setAttribute('aria-sort', 'none'); o.classList.remove('sort-asc', 'sort-desc'); });
          th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
          th.classList.add(asc ? 'sort-asc' : 'sort-desc');
          var keyed = rows.map(function (r, i) { return { r: r, v: cellValue(r.cells[col]), i: i }; });
          keyed.sort(function (a, b) {
            var x = a.v, y = b.v, d;
            if (x.n !== null && y.n !== null) d = x.n - y.n;
            else if (x.n !== null) d = -1;
            else if (y.n !== null) d = 1;
            else d = x.s < y.s ? -1 : x.s > y.s ? 1 : 0;
            return (asc ? d : -d) || a.i - b.i;
          });
          rows = keyed.map(function (k) { return k.r; });
          rows.forEach(function (r) { body.appendChild(r); });
          var q = tools && tools.querySelector('input');
          var qq = q ? q.value.trim().toLowerCase() : '';
          shown = rows.filter(function (r) { return !qq || r.textContent.toLowerCase().indexOf(qq) >= 0; });
          page = 0;
          draw();
        };
        th.addEventListener('click', sort);
        th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
      });
    }
    draw();
  }

  function start() {
    var tables = doc.querySelectorAll('table.data');
    for (var i = 0; i < tables.length; i++) enhance(tables[i]);
    startCharts();
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
