/* promptctl report viewer: builds the page from the JSON blocks with DOM calls only.
   Every piece of user data goes in through textContent or text nodes, never as markup. */
(function () {
  'use strict';
  var PAGE = 100;
  var TAGS = 12;
  var COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#0c8599', '#c2255c', '#5f3dc4', '#868e96'];
  var S = JSON.parse(document.getElementById('summary-data').textContent);
  var K = S.variants.length;
  var state = {cases: null, requests: {}, view: [], page: 0, sort: S.kind === 'snapshot' ? 'failed' : 'regression',
               tag: '', failed: false, flaky: false, errored: false, q: '', open: -1, trial: 0};

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var n = document.createElement(tag);
    setAttrs(n, attrs);
    for (var i = 2; i < arguments.length; i++) add(n, arguments[i]);
    return n;
  }
  function sv(tag, attrs) {
    var n = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttrs(n, attrs);
    for (var i = 2; i < arguments.length; i++) add(n, arguments[i]);
    return n;
  }
  function setAttrs(n, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') n.setAttribute('class', v);
      else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), v);
      else if (k === 'bg') n.style.background = v;
      else if (k === 'color') n.style.color = v;
      else n.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function add(n, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { add(n, k); }); return; }
    n.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }

  // -- formatting ----------------------------------------------------------------------------------------
  function pct(v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%'; }
  function pts(v) { return v === null || v === undefined ? '–' : (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v * 100).toFixed(1) + ' pts'; }
  function usd(v) {
    if (v === null || v === undefined) return 'n/a';
    return v === 0 || v >= 0.01 ? '$' + v.toFixed(4) : '$' + v.toFixed(6);
  }
  function secs(v) { return v === null || v === undefined ? '–' : v < 10 ? v.toFixed(2) + 's' : v.toFixed(1) + 's'; }
  function num(v) { return v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US'); }
  function pval(p) { return p === null || p === undefined ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3); }
  function ci(c) { return c ? ' [' + pct(c.low) + ', ' + pct(c.high) + ']' : ''; }
  function text(v) { return typeof v === 'string' ? v : JSON.stringify(v, null, 2); }
  function label(i) { return S.variants[i].label; }
  function score(v) { return S.metric === 'pass' && S.trials === 1 ? (v === 1 ? 'pass' : v === 0 ? 'fail' : pct(v)) : pct(v); }
  function change(d) {
    if (d === null || d === undefined) return '–';
    if (d === 0) return '=';
    if (S.metric === 'pass' && S.trials === 1 && Math.abs(d) === 1) return d > 0 ? 'fixed' : 'broke';
    return pts(d);
  }
  function tint(d) {
    if (d === null || d === undefined || d === 0) return null;
    var a = Math.min(1, Math.abs(d));
    var light = Math.round(94 - 30 * a);
    return d > 0 ? 'hsl(134,48%,' + light + '%)' : 'hsl(0,72%,' + light + '%)';
  }

  // -- summary ---------------------------------------------------------------------------------------------
  function renderSummary() {
    var root = $('summary');
    var v = S.verdict;
    var badge = {better: 'better', worse: 'worse', same: 'no difference', pass: 'all passed', fail: 'failures',
                 none: 'no verdict'}[v.tone] || v.tone;
    if (S.kind === 'snapshot') badge = v.tone === 'pass' ? 'unchanged' : 'changed';
    root.appendChild(el('div', {class: 'verdict tone-' + v.tone, id: 'verdict'},
      el('span', {class: 'badge'}, badge),
      el('div', null, el('div', {class: 'headline'}, v.headline),
        v.details.length ? el('ul', null, v.details.map(function (d) { return el('li', null, d); })) : null)));
    var facts = [];
    if (S.dataset) facts.push(['dataset', S.dataset.given + ' (' + num(S.dataset.cases) + ' cases)']);
    if (S.scorer) facts.push(['scorer', S.scorer]);
    if (S.judge) facts.push(['judge', S.judge]);
    if (S.kind !== 'snapshot') facts.push(['trials', S.trials]);
    if (S.alpha) facts.push(['alpha', S.alpha]);
    if (S.cost_usd) facts.push(['spent', usd(S.cost_usd.total) + (S.judge ? ' (judge ' + usd(S.cost_usd.judge) + ')' : '')]);
    facts.push(['status', S.status]);
    root.appendChild(el('div', {class: 'facts'}, facts.map(function (f) { return el('span', null, f[0] + ' ', el('b', null, f[1])); })));
    var top = el('div', {class: 'card'}, el('h2', null, S.kind === 'snapshot' ? 'Snapshot check' : 'Variants'), variantTable());
    (S.warnings || []).slice(0, 8).forEach(function (w) { top.appendChild(el('div', {class: 'note'}, '⚠ ' + w)); });
    if ((S.warnings || []).length > 8) top.appendChild(el('div', {class: 'note'}, '… and ' + (S.warnings.length - 8) + ' more warnings'));
    root.appendChild(top);
    var grid = el('div', {class: S.comparisons.length ? 'grid2' : 'grid1'});
    if (S.comparisons.length) grid.appendChild(el('div', {class: 'card'}, el('h2', null, 'Comparisons'), comparisonTable(), verdictNotes()));
    if (S.kind !== 'snapshot' && S.metric !== 'preference') grid.appendChild(el('div', {class: 'card plot'}, el('h2', null, 'Scores with 95% intervals'), plot()));
    if (grid.firstChild) root.appendChild(grid);
  }
  function verdictNotes() {
    var errs = S.error_count ? el('div', {class: 'note'}, S.error_count + ' case error' + (S.error_count === 1 ? '' : 's') + ', not scored (filter by errors below)') : null;
    var tests = S.comparisons.map(function (c) { return c.test; }).filter(function (t, i, a) { return t && a.indexOf(t) === i; });
    var what = S.metric === 'pass' ? 'Pass rates with Wilson intervals' : S.metric === 'score' ? 'Mean per-case scores'
      : 'Pairwise judge in both orders; a win counts only when both orders agree';
    return el('div', null, errs, el('div', {class: 'note'}, what + '; paired by case' + (tests.length ? ' (' + tests.join(', ') + ')' : '')
      + (S.comparisons.length > 1 ? '; Holm-adjusted across candidates.' : '.')));
  }

  function variantTable() {
    if (S.kind === 'snapshot') {
      return el('table', null, el('tbody', null, S.variants.map(function (v) {
        return el('tr', null, el('td', null, v.spec), el('td', {class: 'num'}, v.passed + ' / ' + v.completed + ' unchanged'));
      })));
    }
    var pref = S.metric === 'preference';
    var head = ['variant', pref ? '' : (S.metric === 'pass' ? 'pass rate' : 'mean') + ' [95% CI]', 'passed', 'errors',
                'tokens in / out', 'p50', 'p95', 'cache hits', 'prompt cache', 'spent'];
    return el('table', {id: 'variants'},
      el('thead', null, el('tr', null, head.map(function (h, i) { return el('th', {class: i ? 'num' : null}, h); }))),
      el('tbody', null, S.variants.map(function (v, i) {
        var total = v.completed * S.trials;
        return el('tr', null,
          el('td', null, el('span', {class: 'swatch', bg: COLORS[i % COLORS.length]}), el('b', null, v.label), ' ', v.spec,
            el('div', {class: 'sub'}, v.provider + ':' + v.model + (v.strategy ? ' · ' + v.strategy : ''))),
          el('td', {class: 'num'}, pref ? '' : pct(v.mean), el('span', {class: 'sub'}, pref ? '' : ci(v.ci95))),
          el('td', {class: 'num'}, v.passed === null ? '–' : num(v.passed) + '/' + num(total)),
          el('td', {class: 'num'}, num(v.errors) + (v.flaky ? ' · ' + v.flaky + ' flaky' : '')),
          el('td', {class: 'num'}, num(v.tokens.input) + ' / ' + num(v.tokens.output)),
          el('td', {class: 'num'}, secs(v.latency_s.p50)), el('td', {class: 'num'}, secs(v.latency_s.p95)),
          el('td', {class: 'num'}, pct(v.cache_hit_rate)), el('td', {class: 'num'}, pct(v.prompt_cache_hit_rate)),
          el('td', {class: 'num'}, usd(v.cost_usd)));
      })));
  }

  function comparisonTable() {
    return el('div', {id: 'comparisons'}, S.comparisons.map(function (c) {
      var diff = pts(c.difference) + (c.ci95 ? '  [' + pts(c.ci95.low).replace(' pts', '') + ', ' + pts(c.ci95.high).replace(' pts', '') + ']' : '');
      var tone = c.winner === c.candidate ? 'var(--good)' : c.winner === c.baseline ? 'var(--bad)' : null;
      var facts = [['p', pval(c.p_value)]];
      if (c.p_adjusted !== null && c.p_adjusted !== undefined && S.comparisons.length > 1) facts.push(['p (Holm)', pval(c.p_adjusted)]);
      if (c.effect_size) facts.push([c.effect_size.name, Number(c.effect_size.value).toFixed(3)]);
      if (c.n_pairs !== undefined && c.n_pairs !== null) facts.push(['paired cases', num(c.n_pairs)]);
      if (S.metric === 'preference') facts.push(['wins', c.candidate_wins + '–' + c.baseline_wins + ', ties ' + c.ties + ', flips ' + pct(c.flip_rate)]);
      return el('div', {class: 'cmp'},
        el('div', null, el('b', null, c.candidate + ' vs ' + c.baseline), ' ', el('span', {class: 'cmpdiff', color: tone}, diff),
          ' ', el('span', {class: 'sub'}, c.winner ? c.verdict : 'no significant difference')),
        el('div', {class: 'kv'}, facts.map(function (f) { return el('span', null, f[0] + ' ', el('b', null, f[1])); }),
          el('span', null, c.test || '')));
    }));
  }

  function plot() {
    // a forest plot: overall score per variant with its interval, then each tag's mean per variant
    var rows = [{name: 'overall', vals: S.variants.map(function (v) { return {m: v.mean, c: v.ci95}; }), head: true}];
    var tags = S.tags.slice().sort(function (a, b) { return b.cases - a.cases || (a.tag < b.tag ? -1 : 1); }).slice(0, TAGS);
    tags.forEach(function (t) {
      var count = ' (' + t.cases + ')';  // a long tag is clipped, never its case count; the full tag on hover
      rows.push({name: clip(t.tag, 24 - count.length) + count, full: t.tag + count,
        vals: t.means.map(function (m) { return {m: m, c: null}; })});
    });
    var W = 560, L = 150, R = 20, top = 22, rowH = 12 * K + 14, gap = rows.length > 1 ? 18 : 0;
    var H = top + rowH * rows.length + gap + 26;
    var x = function (v) { return L + (W - L - R) * Math.max(0, Math.min(1, v)); };
    var g = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'scores by variant and tag', id: 'plot'});
    [0, 0.25, 0.5, 0.75, 1].forEach(function (t) {
      g.appendChild(sv('line', {x1: x(t), x2: x(t), y1: top - 6, y2: H - 22, stroke: '#e3e7ee'}));
      g.appendChild(sv('text', {x: x(t), y: H - 8, 'text-anchor': 'middle'}, (t * 100) + '%'));
    });
    rows.forEach(function (r, ri) {
      var y0 = top + ri * rowH + (ri ? gap : 0);
      if (ri === 1) g.appendChild(sv('text', {x: 4, y: y0 - 4, 'font-weight': 600, class: 'lbl'}, 'by tag (cases): mean'));
      g.appendChild(sv('text', {x: 4, y: y0 + rowH / 2 + 2, class: 'lbl', 'font-weight': r.head ? 600 : 400}, clip(r.name, 24),
        sv('title', null, r.full || r.name)));
      r.vals.forEach(function (p, i) {
        if (p.m === null || p.m === undefined) return;
        var y = y0 + 7 + i * 12, col = COLORS[i % COLORS.length];
        if (p.c) {
          g.appendChild(sv('line', {x1: x(p.c.low), x2: x(p.c.high), y1: y, y2: y, stroke: col, 'stroke-width': 2}));
          [p.c.low, p.c.high].forEach(function (e) { g.appendChild(sv('line', {x1: x(e), x2: x(e), y1: y - 4, y2: y + 4, stroke: col, 'stroke-width': 2})); });
        }
        g.appendChild(sv('circle', {cx: x(p.m), cy: y, r: 4, fill: col}, sv('title', null, label(i) + ': ' + pct(p.m) + ci(p.c))));
      });
    });
    var legend = el('div', {class: 'sub'}, S.variants.map(function (v, i) {
      return el('span', {class: 'chip'}, el('span', {class: 'swatch', bg: COLORS[i % COLORS.length]}), v.label + ' ' + v.spec);
    }));
    if (S.tags.length > TAGS) legend.appendChild(el('span', null, ' · the ' + TAGS + ' most frequent of ' + S.tags.length + ' tags'));
    return el('div', null, g, legend);
  }
  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  // -- prompt diff ----------------------------------------------------------------------------------------------
  function renderPromptDiff() {
    var diffs = S.prompt_diffs || [];
    if (!diffs.length) return;
    var root = $('prompt-diff');
    root.appendChild(el('h2', null, 'Prompt diff'));
    diffs.forEach(function (d) {
      var card = el('div', {class: 'card'}, el('div', {class: 'kv'}, el('b', null, d.candidate + ' vs ' + d.baseline),
        (d.baseline_ref || '') + ' → ' + (d.candidate_ref || '')));
      if (d.front_matter.length) {
        card.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', null, 'front matter'), el('th', null, d.baseline), el('th', null, d.candidate))),
          el('tbody', null, d.front_matter.map(function (f) {
            return el('tr', null, el('td', {class: 'mono'}, f[0]), el('td', {class: 'mono'}, text(f[1])), el('td', {class: 'mono'}, text(f[2])));
          }))));
      }
      if (d.template) card.appendChild(el('details', null, el('summary', null, 'template ' + counts(d.template)), unified(d.template)));
      if (d.tools) card.appendChild(el('details', null, el('summary', null, 'tools ' + counts(d.tools)), unified(d.tools)));
      if (!d.front_matter.length && !d.template && !d.tools) card.appendChild(el('div', {class: 'note'}, 'Same prompt file: the variants differ in model, strategy or parameters given on the command line.'));
      root.appendChild(card);
    });
  }
  function counts(t) {
    var plus = 0, minus = 0;
    t.split('\n').forEach(function (l) { if (l[0] === '+' && l.slice(0, 3) !== '+++') plus++; else if (l[0] === '-' && l.slice(0, 3) !== '---') minus++; });
    return '(+' + plus + ' −' + minus + ' lines)';
  }
  function unified(t) {
    return el('pre', {class: 'box udiff'}, t.replace(/\n$/, '').split('\n').map(function (line) {
      var c = line.slice(0, 3) === '+++' || line.slice(0, 3) === '---' ? 'hunk' : line[0] === '+' ? 'add' : line[0] === '-' ? 'rem' : line.slice(0, 2) === '@@' ? 'hunk' : 'ctx';
      return el('span', {class: c}, line || ' ');
    }));
  }

  // -- the case matrix ---------------------------------------------------------------------------------------------
  function renderMatrixShell() {
    var root = $('cases');
    var tags = S.tags.map(function (t) { return t.tag; });
    var sorts = S.kind === 'snapshot' ? [['failed', 'changed first'], ['order', 'suite order'], ['id', 'id']]
      : S.kind === 'eval' ? [['regression', 'lowest score first'], ['order', 'dataset order'], ['id', 'id']]
      : [['regression', 'regression (worst first)'], ['improvement', 'improvement (best first)'], ['order', 'dataset order'], ['id', 'id']];
    root.appendChild(el('h2', null, S.kind === 'snapshot' ? 'Checks' : 'Cases'));
    var card = el('div', {class: 'card'});
    card.appendChild(el('div', {class: 'toolbar'},
      el('input', {type: 'search', id: 'search', placeholder: 'Search id, tags, outputs…', 'aria-label': 'search cases',
                   oninput: debounce(function (e) { state.q = e.target.value.toLowerCase(); refresh(); }, 150)}),
      tags.length ? el('select', {id: 'tag', 'aria-label': 'tag', onchange: function (e) { state.tag = e.target.value; refresh(); }},
        el('option', {value: ''}, 'all tags'), tags.map(function (t) { return el('option', {value: t}, t); })) : null,
      check('failed', S.kind === 'snapshot' ? 'changed' : 'failed'),
      S.trials > 1 ? check('flaky', 'flaky') : null,
      check('errored', 'errors'),
      el('select', {id: 'sort', 'aria-label': 'sort', onchange: function (e) { state.sort = e.target.value; refresh(); }},
        sorts.map(function (s) { return el('option', {value: s[0]}, 'sort: ' + s[1]); })),
      el('span', {class: 'count', id: 'count'}, 'loading cases…')));
    var head = [el('th', null, S.kind === 'snapshot' ? 'check' : 'case'), el('th', null, 'tags')];
    if (S.kind === 'snapshot') head.push(el('th', null, 'status'));
    else if (S.metric === 'preference') {
      for (var i = 1; i < K; i++) head.push(el('th', null, label(i) + ' vs ' + label(0)));
    } else {
      head.push(el('th', {class: 'num'}, label(0) + (S.kind === 'eval' ? ' score' : ' (baseline)')));
      for (var j = 1; j < K; j++) head.push(el('th', {class: 'num'}, label(j) + ' · change'));
    }
    head.push(el('th', null, ''));
    card.appendChild(el('table', {id: 'matrix'}, el('thead', null, el('tr', null, head)), el('tbody', {id: 'rows'})));
    card.appendChild(el('div', {class: 'pager'},
      el('button', {id: 'prev', onclick: function () { state.page--; drawPage(); }}, '‹ prev'),
      el('span', {id: 'pageinfo'}, ''),
      el('button', {id: 'next', onclick: function () { state.page++; drawPage(); }}, 'next ›')));
    root.appendChild(card);
  }
  function check(key, name) {
    return el('label', null, el('input', {type: 'checkbox', id: 'only-' + key, onchange: function (e) { state[key] = e.target.checked; refresh(); }}), name);
  }
  function debounce(fn, ms) { var t; return function (e) { clearTimeout(t); t = setTimeout(function () { fn(e); }, ms); }; }

  function haystack(c) {
    if (c._hay === undefined) {
      full(c);
      var parts = [c.id, c.tags.join(' ')];
      c.trials.forEach(function (rows) { rows.forEach(function (t) { parts.push(t.output || '', t.error || '', t.explanation || ''); }); });
      c._hay = parts.join('\n').toLowerCase();
    }
    return c._hay;
  }

  function refresh() {
    var cs = state.cases;
    var view = [];
    for (var i = 0; i < cs.length; i++) {
      var c = cs[i];
      if (state.tag && c.tags.indexOf(state.tag) < 0) continue;
      if (state.failed && !c.failed) continue;
      if (state.flaky && !c.flaky) continue;
      if (state.errored && !c.errored) continue;
      if (state.q && haystack(c).indexOf(state.q) < 0) continue;
      view.push(i);
    }
    var key = state.sort;
    var big = Number.POSITIVE_INFINITY;
    view.sort(function (a, b) {
      var x = cs[a], y = cs[b];
      if (key === 'regression' || key === 'improvement') {
        var rx = x.regression === null ? big : x.regression, ry = y.regression === null ? big : y.regression;
        if (key === 'improvement') { rx = x.regression === null ? big : -x.regression; ry = y.regression === null ? big : -y.regression; }
        if (rx !== ry) return rx - ry;
      } else if (key === 'failed') {
        if (x.failed !== y.failed) return x.failed ? -1 : 1;
      } else if (key === 'id') {
        return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
      }
      return x.index - y.index;
    });
    state.view = view;
    state.page = 0;
    drawPage();
  }

  function drawPage() {
    var body = clear($('rows'));
    var pages = Math.max(1, Math.ceil(state.view.length / PAGE));
    state.page = Math.max(0, Math.min(state.page, pages - 1));
    var start = state.page * PAGE;
    var slice = state.view.slice(start, start + PAGE);
    var frag = document.createDocumentFragment();
    slice.forEach(function (ci) { frag.appendChild(row(state.cases[ci], ci)); });
    body.appendChild(frag);
    if (!slice.length) body.appendChild(el('tr', null, el('td', {colspan: K + 4, class: 'empty'}, 'No case matches these filters.')));
    $('count').textContent = num(state.view.length) + ' of ' + num(state.cases.length) + (S.kind === 'snapshot' ? ' checks' : ' cases');
    $('pageinfo').textContent = 'page ' + (state.page + 1) + ' of ' + pages;
    $('prev').disabled = state.page === 0;
    $('next').disabled = state.page >= pages - 1;
  }

  function flags(c) {
    var out = [];
    if (c.errored) out.push(el('span', {class: 'flag error'}, 'error'));
    if (c.failed) out.push(el('span', {class: 'flag failed'}, S.kind === 'snapshot' ? 'changed' : 'failed'));
    if (c.flaky) out.push(el('span', {class: 'flag flaky'}, 'flaky'));
    return out;
  }

  function row(c, ci) {
    var open = function () { openCase(ci); };
    var tr = el('tr', {tabindex: 0, 'data-case': c.id, onclick: open,
                       onkeydown: function (e) { if (e.key === 'Enter') open(); }},
      el('td', {class: 'mono'}, c.id), el('td', null, c.tags.map(function (t) { return el('span', {class: 'chip'}, t); })));
    if (S.kind === 'snapshot') {
      tr.appendChild(el('td', null, c.failed ? el('span', {class: 'flag failed'}, 'changed') : el('span', {class: 'flag pass'}, 'unchanged')));
    } else if (S.metric === 'preference') {
      for (var i = 1; i < K; i++) {
        var d = c.deltas[i];
        tr.appendChild(el('td', null, el('span', {class: 'delta', bg: tint(d)}, d === 1 ? label(i) + ' wins' : d === -1 ? label(0) + ' wins' : d === 0 ? 'tie' : '–')));
      }
    } else {
      tr.appendChild(el('td', {class: 'num'}, c.values[0] === null ? el('span', {class: 'flag error'}, 'error') : score(c.values[0])));
      for (var j = 1; j < K; j++) {
        var dj = c.deltas[j];
        tr.appendChild(el('td', {class: 'num'}, c.values[j] === null ? el('span', {class: 'flag error'}, 'error') : score(c.values[j]), ' ',
          el('span', {class: dj ? 'delta' : 'delta same', bg: tint(dj)}, change(dj))));
      }
    }
    tr.appendChild(el('td', null, S.kind === 'snapshot' ? null : flags(c)));
    return tr;
  }

  // -- word diff (Myers, O((N+M)D)) -----------------------------------------------------------------------------------
  function tokens(s) { return s.match(/\s+|[\w\u00C0-\uFFFF]+|[^\s\w]/g) || []; }
  function myers(a, b, maxD) {
    var n = a.length, m = b.length, off = maxD + 1, v = new Int32Array(2 * maxD + 3), trace = [];
    for (var d = 0; d <= maxD; d++) {
      trace.push(v.slice(off - d, off + d + 1));
      for (var k = -d; k <= d; k += 2) {
        var x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
        var y = x - k;
        while (x < n && y < m && a[x] === b[y]) { x++; y++; }
        v[off + k] = x;
        if (x >= n && y >= m) return back(trace, d, a, b);
      }
    }
    return null;
  }
  function back(trace, D, a, b) {
    var x = a.length, y = b.length, ops = [];
    for (var d = D; d > 0; d--) {
      var vs = trace[d], k = x - y;
      var pk = (k === -d || (k !== d && vs[k - 1 + d] < vs[k + 1 + d])) ? k + 1 : k - 1;
      var px = vs[pk + d], py = px - pk;
      while (x > px && y > py) { ops.push(['=', a[--x]]); y--; }
      if (x === px) ops.push(['+', b[--y]]); else ops.push(['-', a[--x]]);
    }
    while (x > 0 && y > 0) { ops.push(['=', a[--x]]); y--; }
    return ops.reverse();
  }
  function wordDiff(oldText, newText) {
    var a = tokens(oldText || ''), b = tokens(newText || '');
    var s = 0;
    while (s < a.length && s < b.length && a[s] === b[s]) s++;
    var ea = a.length, eb = b.length;
    while (ea > s && eb > s && a[ea - 1] === b[eb - 1]) { ea--; eb--; }
    var mid = myers(a.slice(s, ea), b.slice(s, eb), 1500);
    if (mid === null) mid = a.slice(s, ea).map(function (t) { return ['-', t]; }).concat(b.slice(s, eb).map(function (t) { return ['+', t]; }));
    var ops = a.slice(0, s).map(function (t) { return ['=', t]; }).concat(mid, a.slice(ea).map(function (t) { return ['=', t]; }));
    // group a run of changes (and the blanks between them) as one deletion then one insertion: readable
    var pre = el('pre', {class: 'box diff'}), same = '', del = '', ins = '', pending = '';
    function flushChange() {
      if (del) pre.appendChild(el('del', null, del));
      if (ins) pre.appendChild(el('ins', null, ins));
      del = ins = '';
    }
    ops.forEach(function (o) {
      if (o[0] === '=') {
        if (del || ins) { if (/^\s+$/.test(o[1])) { pending += o[1]; return; } flushChange(); same += pending; pending = ''; }
        same += o[1];
        return;
      }
      if (same) { pre.appendChild(document.createTextNode(same)); same = ''; }
      if (pending) { del += pending; ins += pending; pending = ''; }
      if (o[0] === '-') del += o[1]; else ins += o[1];
    });
    flushChange();
    same += pending;
    if (same) pre.appendChild(document.createTextNode(same));
    if (!pre.firstChild) pre.appendChild(el('span', {class: 'sub'}, '(both empty)'));
    return pre;
  }

  // -- the case view ---------------------------------------------------------------------------------------------------
  function requestText(body) {
    if (!body) return '(not stored)';
    var lines = [];
    Object.keys(body).sort().forEach(function (k) {
      if (k !== 'messages' && k !== 'system') lines.push(k + ': ' + (typeof body[k] === 'string' ? body[k] : JSON.stringify(body[k])));
    });
    if (body.system !== undefined) lines.push('', '--- system ---', content(body.system));
    (body.messages || []).forEach(function (m) { lines.push('', '--- ' + (m.role || '?') + ' ---', content(m.content)); });
    return lines.join('\n');
  }
  function content(c) {
    if (typeof c === 'string') return c;
    if (Array.isArray(c) && c.every(function (p) { return p && typeof p.text === 'string'; })) return c.map(function (p) { return p.text; }).join('\n\n');
    return JSON.stringify(c, null, 2);
  }

  function openCase(ci) {
    state.open = ci;
    state.trial = 0;
    if (location.hash !== '#case=' + encodeURIComponent(state.cases[ci].id)) history.replaceState(null, '', '#case=' + encodeURIComponent(state.cases[ci].id));
    drawCase();
    $('overlay').hidden = false;
    $('close').focus();
  }
  function closeCase() {
    $('overlay').hidden = true;
    state.open = -1;
    history.replaceState(null, '', location.pathname + location.search);
  }
  function step(delta) {
    var at = state.view.indexOf(state.open);
    var next = state.view[at + delta];
    if (next !== undefined) openCase(next);
  }

  function drawCase() {
    var c = full(state.cases[state.open]);
    var at = state.view.indexOf(state.open);
    var view = clear($('caseview'));
    view.appendChild(el('div', {class: 'head'},
      el('h2', {id: 'case-title'}, (S.kind === 'snapshot' ? 'Check ' : 'Case ') + c.id), el('span', null, flags(c)),
      el('span', null, c.tags.map(function (t) { return el('span', {class: 'chip'}, t); })),
      el('span', {class: 'spacer'}),
      el('span', {class: 'sub'}, at >= 0 ? (at + 1) + ' / ' + state.view.length : ''),
      el('button', {onclick: function () { step(-1); }, disabled: at <= 0, title: 'previous (k)'}, '‹'),
      el('button', {onclick: function () { step(1); }, disabled: at < 0 || at >= state.view.length - 1, title: 'next (j)'}, '›'),
      el('button', {id: 'close', onclick: closeCase, title: 'close (Esc)'}, 'close')));
    var body = el('div', {class: 'body'});
    view.appendChild(body);
    if (c.variables || c.expected !== undefined && c.expected !== null) {
      var inputs = el('div', {class: 'cols', style: null});
      inputs.style.gridTemplateColumns = c.expected !== undefined && c.expected !== null ? '2fr 1fr' : '1fr';
      if (c.variables) inputs.appendChild(el('div', null, el('h3', null, 'Variables'), el('pre', {class: 'box'}, text(c.variables))));
      if (c.expected !== undefined && c.expected !== null) inputs.appendChild(el('div', null, el('h3', null, 'Expected'), el('pre', {class: 'box'}, text(c.expected))));
      body.appendChild(inputs);
    }
    var nTrials = Math.max.apply(null, c.trials.map(function (r) { return r.length; }).concat([1]));
    var block = el('div', {class: 'block'}, el('h3', null, S.kind === 'snapshot' ? 'Result' : 'Outputs'));
    if (nTrials > 1) {
      block.appendChild(el('div', {class: 'kv'}, c.trials.map(function (rows, i) {
        var passes = rows.filter(function (t) { return t.passed; }).length;
        var fl = passes > 0 && passes < rows.length;
        return el('span', null, el('b', null, label(i)), ' passed ' + passes + '/' + rows.length + ' trials', fl ? el('span', {class: 'flag flaky'}, 'flaky') : null);
      })));
      block.appendChild(el('div', {class: 'tabs', id: 'trials'}, Array.apply(null, Array(nTrials)).map(function (_, t) {
        var marks = c.trials.map(function (rows) { var r = rows[t]; return !r ? '·' : r.status !== 'ok' ? '!' : r.passed ? '✓' : r.passed === false ? '✗' : '•'; }).join('');
        return el('button', {class: t === state.trial ? 'on' : null, onclick: function () { state.trial = t; drawCase(); }}, 'trial ' + (t + 1) + ' ' + marks);
      })));
    }
    var cols = el('div', {class: 'cols', id: 'outputs'});
    cols.style.gridTemplateColumns = 'repeat(' + K + ', minmax(0, 1fr))';
    var base = c.trials[0][state.trial];
    c.trials.forEach(function (rows, i) {
      var t = rows[state.trial];
      var col = el('div', {class: 'card col', 'data-variant': label(i)},
        el('h3', null, el('span', {class: 'swatch', bg: COLORS[i % COLORS.length]}), label(i) + ' ', el('span', {class: 'sub'}, S.variants[i].spec)));
      if (!t) { col.appendChild(el('div', {class: 'empty'}, 'not run')); cols.appendChild(col); return; }
      col.appendChild(el('div', {class: 'kv'},
        t.score !== null && t.score !== undefined ? el('span', null, 'score ', el('b', null, pct(t.score))) : null,
        t.passed === true ? el('span', {class: 'flag pass'}, 'pass') : t.passed === false ? el('span', {class: 'flag failed'}, S.kind === 'snapshot' ? 'changed' : 'fail') : null,
        t.input_tokens !== undefined ? el('span', null, num(t.input_tokens) + ' in / ' + num(t.output_tokens) + ' out tokens') : null,
        t.latency_s !== undefined ? el('span', null, secs(t.latency_s)) : null,
        t.cost_usd !== undefined ? el('span', null, usd(t.cost_usd)) : null,
        t.cached ? el('span', {class: 'chip'}, 'cached') : null));
      if (S.kind === 'snapshot') {
        col.appendChild(el('div', {class: 'kv'}, t.golden ? el('span', null, 'golden file ', el('b', {class: 'mono'}, t.golden)) : null,
          t.live ? el('span', null, t.live) : null));
        col.appendChild(t.diff ? unified(t.diff) : el('div', {class: 'note'}, t.passed ? 'Request and checks unchanged.' : ''));
      } else {
        col.appendChild(el('pre', {class: 'box output'}, t.output === null || t.output === undefined ? '(no output)' : t.output));
      }
      if (t.answer && t.answer !== t.output) col.appendChild(el('div', {class: 'kv'}, 'answer ', el('b', {class: 'mono'}, t.answer)));
      if (t.parsed) col.appendChild(el('details', null, el('summary', null, 'parsed'), el('pre', {class: 'box'}, text(t.parsed))));
      if (t.explanation) col.appendChild(el('div', {class: 'expl'}, el('b', null, S.kind === 'snapshot' ? 'check: ' : 'scorer: '), t.explanation));
      if (t.error) col.appendChild(el('div', {class: 'err'}, 'error: ' + t.error));
      if (t.reasoning) col.appendChild(el('details', null, el('summary', null, 'reasoning'), el('pre', {class: 'box'}, t.reasoning)));
      var req = typeof t.request === 'number' ? hydrate(state.requests[t.request]) : null;
      if (req) col.appendChild(el('details', null, el('summary', null, 'rendered request'), el('pre', {class: 'box'}, requestText(req))));
      cols.appendChild(col);
    });
    block.appendChild(cols);
    body.appendChild(block);
    if (base && K > 1) {
      for (var i = 1; i < K; i++) {
        var t = c.trials[i][state.trial];
        if (!t) continue;
        body.appendChild(el('div', {class: 'block'}, el('h3', null, 'Word diff ' + label(0) + ' → ' + label(i)),
          el('div', {class: 'diffwrap', 'data-variant': label(i)}, wordDiff(base.output || '', t.output || ''))));
      }
    }
    if (c.pairwise && c.pairwise.length) body.appendChild(pairwise(c));
  }

  function pairwise(c) {
    var block = el('div', {class: 'block', id: 'judge'}, el('h3', null, 'Pairwise judge (both orders)'));
    c.pairwise.filter(function (p) { return p.trial === state.trial; }).forEach(function (p) {
      var base = label(0);
      var who = function (pref, first, second) { return pref === 'first' ? first : pref === 'second' ? second : pref === 'tie' ? 'tie' : '–'; };
      block.appendChild(el('div', {class: 'card'},
        el('div', {class: 'kv'}, el('b', null, p.candidate + ' vs ' + base), 'outcome ',
          el('b', null, p.outcome === 'candidate' ? p.candidate + ' wins' : p.outcome === 'baseline' ? base + ' wins' : (p.outcome || '–')),
          p.consistent === false ? el('span', {class: 'flag flaky'}, 'orders disagree') : null),
        p.error ? el('div', {class: 'err'}, p.error) : null,
        el('div', {class: 'cols', style: null},
          el('div', null, el('div', {class: 'kv'}, base + ' shown first → prefers ', el('b', null, who(p.baseline_first, base, p.candidate))),
            el('div', {class: 'expl'}, p.baseline_first_reason || '(no rationale stored)')),
          el('div', null, el('div', {class: 'kv'}, p.candidate + ' shown first → prefers ', el('b', null, who(p.candidate_first, p.candidate, base))),
            el('div', {class: 'expl'}, p.candidate_first_reason || '(no rationale stored)')))));
    });
    Array.prototype.forEach.call(block.querySelectorAll('.cols'), function (n) { n.style.gridTemplateColumns = '1fr 1fr'; });
    return block;
  }

  // -- start -------------------------------------------------------------------------------------------------------------
  function fromHash() {
    var m = /^#case=(.+)$/.exec(location.hash);
    if (!m || !state.cases) return;
    var id = decodeURIComponent(m[1]);
    for (var i = 0; i < state.cases.length; i++) if (state.cases[i].id === id) { openCase(i); return; }
  }
  // strings stored once in the file ({"\u0000t": i} -> texts[i]); put back in a case when it is first needed
  var TEXTS = [];
  function hydrate(v) {
    if (Array.isArray(v)) { for (var i = 0; i < v.length; i++) v[i] = hydrate(v[i]); return v; }
    if (v && typeof v === 'object') {
      var keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '\u0000t') return TEXTS[v['\u0000t']];
      keys.forEach(function (k) { v[k] = hydrate(v[k]); });
    }
    return v;
  }
  function full(c) {
    if (!c._full) { c.variables = hydrate(c.variables); c.expected = hydrate(c.expected); hydrate(c.trials); hydrate(c.pairwise); c._full = true; }
    return c;
  }
  function loadCases() {
    var data = JSON.parse(document.getElementById('cases-data').textContent);
    TEXTS = data.texts || [];
    state.cases = data.cases;
    state.requests = data.requests || [];
    refresh();
    fromHash();
    document.body.setAttribute('data-ready', 'true');
  }
  renderSummary();
  renderPromptDiff();
  renderMatrixShell();
  $('overlay').addEventListener('click', function (e) { if (e.target === $('overlay')) closeCase(); });
  document.addEventListener('keydown', function (e) {
    if (state.open < 0 || e.target.tagName === 'INPUT') return;
    if (e.key === 'Escape') closeCase();
    else if (e.key === 'j') step(1);
    else if (e.key === 'k') step(-1);
  });
  window.addEventListener('hashchange', fromHash);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { setTimeout(loadCases, 0); });
  else setTimeout(loadCases, 0);
}());
