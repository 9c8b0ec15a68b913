// deadweight's HTML report: draws the treemap from the page's JSON data islands, and makes the
// tables sortable and the findings expandable. Names from the image reach the page only through
// textContent and data attributes, never as markup, so a hostile name stays text.
(function () {
  'use strict';
  const body = document.body;
  const isDiff = body.dataset.page === 'diff';
  const base = body.dataset.units === 'decimal' ? 1000 : 1024;
  const units = base === 1000 ? ['kB', 'MB', 'GB', 'TB', 'PB'] : ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

  function size(b) {
    if (Math.abs(b) < base) return b + ' B';
    let v = Math.abs(b), u = -1;
    while (v >= base && u < units.length - 1) { v /= base; u++; }
    return (b < 0 ? '-' : '') + v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0) + ' ' + units[u];
  }

  function island(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A tree node is [name, final, hidden, finding, layer, files, children?] (src/report/html/tree.rs);
  // on the diff page final is NEW's bytes and hidden OLD's.
  const NAME = 0, FINAL = 1, HIDDEN = 2, FINDING = 3, LAYER = 4, FILES = 5, KIDS = 6;
  const report = island('dw-report');
  const root = island('dw-tree');
  let mode = isDiff ? 'growth' : 'layer';
  let stack = root ? [root] : [];

  function value(n) {
    if (isDiff) return n[FINAL] || n[HIDDEN];
    return mode === 'waste' ? n[FINAL] + n[HIDDEN] : n[FINAL];
  }

  const hue = l => (200 + l * 137.508) % 360;
  let maxGrowth = 1;
  function colour(n) {
    if (mode === 'layer') return 'hsl(' + hue(n[LAYER]) + ' 55% var(--cell-l))';
    if (mode === 'growth') {
      const g = n[FINAL] - n[HIDDEN];
      if (g === 0) return 'var(--same)';
      const t = 0.25 + 0.75 * Math.min(1, Math.abs(g) / maxGrowth);
      return 'color-mix(in srgb, ' + (g > 0 ? 'var(--grew)' : 'var(--shrank)') + ' ' + Math.round(t * 100) + '%, var(--same))';
    }
    const kept = n[FINAL] - n[FINDING];
    if (n[HIDDEN] >= n[FINDING] && n[HIDDEN] >= kept) return 'var(--hidden)';
    return n[FINDING] >= kept ? 'var(--finding)' : 'var(--kept)';
  }

  // Squarified treemap (Bruls, Huizing, van Wijk): values sorted largest first, laid out in
  // rows along the shorter side, each row grown while it makes its rectangles squarer.
  function squarify(values, x, y, w, h) {
    const total = values.reduce((a, b) => a + b, 0);
    const out = [];
    if (total <= 0 || w <= 0 || h <= 0) return out;
    const scale = (w * h) / total;
    let i = 0;
    while (i < values.length) {
      const side = Math.min(w, h);
      let j = i, sum = 0, lo = Infinity, hi = 0, best = Infinity;
      while (j < values.length) {
        const v = values[j] * scale, s = sum + v;
        const l = Math.min(lo, v), m = Math.max(hi, v);
        const worst = Math.max((side * side * m) / (s * s), (s * s) / (side * side * l));
        if (worst > best) break;
        best = worst; sum = s; lo = l; hi = m; j++;
      }
      const thick = sum / side;
      let off = 0;
      for (let k = i; k < j; k++) {
        const len = (values[k] * scale) / thick;
        out.push(w >= h ? [x, y + off, thick, len] : [x + off, y, len, thick]);
        off += len;
      }
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
      i = j;
    }
    return out;
  }

  // At most MAX rectangles per level: the rest become one "(N more)" cell, which the list
  // below the treemap still names one by one.
  const MAX = 400;
  function visible(n) {
    const kids = (n[KIDS] || []).filter(c => value(c) > 0).sort((a, b) => value(b) - value(a));
    return kids.length > MAX ? kids.slice(0, MAX - 1).concat([more(kids.slice(MAX - 1))]) : kids;
  }

  function more(rest) {
    const sum = i => rest.reduce((a, c) => a + c[i], 0);
    return ['(' + rest.length + ' more)', sum(FINAL), sum(HIDDEN), sum(FINDING), rest[0][LAYER], sum(FILES)];
  }

  function pathOf(names) {
    return '/' + names.join('/');
  }

  function describe(n) {
    let s = size(n[FINAL]) + (n[KIDS] ? ' in ' + n[FILES] + ' files' : '');
    if (isDiff) return s + ' (' + (n[FINAL] - n[HIDDEN] >= 0 ? '+' : '') + size(n[FINAL] - n[HIDDEN]) + ')';
    if (mode === 'waste') s += ', ' + size(n[HIDDEN]) + ' hidden, ' + size(n[FINDING]) + ' in findings';
    return s;
  }

  function paint(box, n, names, depth) {
    box.dataset.layer = n[LAYER];
    box.dataset.path = pathOf(names);
    box.dataset.depth = depth;
    box.title = pathOf(names) + '\n' + describe(n);
    box.style.background = colour(n);
  }

  function cell(n, r, names) {
    const c = el('div', 'cell');
    paint(c, n, names, 1);
    c.style.left = r[0] + 'px'; c.style.top = r[1] + 'px';
    c.style.width = Math.max(0, r[2] - 1) + 'px'; c.style.height = Math.max(0, r[3] - 1) + 'px';
    c.tabIndex = 0;
    c.setAttribute('role', 'button');
    const dir = Boolean(n[KIDS]) && visible(n).length > 0;
    c.setAttribute('aria-label', pathOf(names) + ', ' + describe(n) + (dir ? ', press Enter to open' : ''));
    if (r[2] > 40 && r[3] > 16) c.append(el('span', 'label', n[NAME] + ' ' + size(value(n))));
    if (dir && r[2] > 30 && r[3] > 36) {
      c.classList.add('dir');
      const kids = visible(n).slice(0, 200);
      squarify(kids.map(value), 2, 18, r[2] - 5, r[3] - 21).forEach((s, i) => {
        if (s[2] < 2 || s[3] < 2) return;
        const k = el('div', 'sub leaf');
        paint(k, kids[i], names.concat(kids[i][NAME]), 2);
        k.style.left = s[0] + 'px'; k.style.top = s[1] + 'px';
        k.style.width = Math.max(0, s[2] - 1) + 'px'; k.style.height = Math.max(0, s[3] - 1) + 'px';
        if (kids[i][KIDS]) k.addEventListener('click', e => { e.stopPropagation(); open([n, kids[i]]); });
        c.append(k);
      });
    } else {
      c.classList.add('leaf');
    }
    if (dir) {
      c.addEventListener('click', () => open([n]));
      c.addEventListener('keydown', e => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open([n]); }
      });
    }
    return c;
  }

  function open(nodes) {
    stack = stack.concat(nodes);
    draw();
    const first = document.querySelector('#treemap .cell');
    if (first) first.focus();
  }

  function up(to) {
    stack = stack.slice(0, to);
    draw();
  }

  function draw() {
    const map = document.getElementById('treemap');
    if (!map || !root) return;
    const names = stack.slice(1).map(n => n[NAME]);
    const here = stack[stack.length - 1];
    const kids = visible(here);
    maxGrowth = kids.reduce((m, k) => Math.max(m, Math.abs(k[FINAL] - k[HIDDEN])), 1);
    map.replaceChildren();
    squarify(kids.map(value), 0, 0, map.clientWidth, map.clientHeight).forEach((r, i) => {
      map.append(cell(kids[i], r, names.concat(kids[i][NAME])));
    });
    const crumbs = document.getElementById('crumbs');
    crumbs.replaceChildren();
    stack.forEach((n, i) => {
      const label = i === 0 ? '/' : n[NAME];
      if (i === stack.length - 1) {
        const cur = el('span', 'crumb', label);
        cur.setAttribute('aria-current', 'location');
        crumbs.append(cur);
      } else {
        const b = el('button', 'crumb', label);
        b.type = 'button';
        b.addEventListener('click', () => up(i + 1));
        crumbs.append(b, el('span', 'sep', ' › '));
      }
    });
    const list = document.getElementById('map-list');
    list.replaceChildren(...kids.map(k => {
      const li = el('li');
      li.append(el('span', 'name', pathOf(names.concat(k[NAME]))), ' ' + describe(k));
      return li;
    }));
    legend();
  }

  function swatch(bg, text) {
    const s = el('span', 'key');
    const c = el('span', 'swatch');
    c.style.background = bg;
    s.append(c, text);
    return s;
  }

  function legend() {
    const lg = document.getElementById('legend');
    if (!lg) return;
    if (mode === 'growth') {
      lg.replaceChildren(swatch('var(--grew)', 'grew'), swatch('var(--shrank)', 'shrank'), swatch('var(--same)', 'unchanged'));
    } else if (mode === 'waste') {
      lg.replaceChildren(swatch('var(--hidden)', 'hidden (shipped, then deleted or overwritten)'),
        swatch('var(--finding)', 'named by a finding'), swatch('var(--kept)', 'kept'));
    } else {
      lg.replaceChildren(...(report ? report.layers : []).map(l => swatch('hsl(' + hue(l.index) + ' 55% var(--cell-l))',
        '#' + l.index + ' ' + l.instruction.kind + (l.dockerfile_line ? ' (line ' + l.dockerfile_line + ')' : ''))));
    }
  }

  function setMode(m) {
    mode = m;
    for (const [id, on] of [['by-layer', m === 'layer'], ['by-waste', m === 'waste']]) {
      const b = document.getElementById(id);
      if (b) b.setAttribute('aria-pressed', String(on));
    }
    draw();
  }

  function wire() {
    const byLayer = document.getElementById('by-layer'), byWaste = document.getElementById('by-waste');
    if (byLayer) byLayer.addEventListener('click', () => setMode('layer'));
    if (byWaste) byWaste.addEventListener('click', () => setMode('waste'));
    const map = document.getElementById('treemap');
    if (map) map.addEventListener('keydown', e => {
      if ((e.key === 'Backspace' || e.key === 'Escape') && stack.length > 1) { e.preventDefault(); up(stack.length - 1); }
    });
    document.querySelectorAll('.swatch[data-layer]').forEach(s => {
      s.style.background = 'hsl(' + hue(Number(s.dataset.layer)) + ' 55% var(--cell-l))';
    });
    // Hovering or focusing a layer shows which cells it stored.
    document.querySelectorAll('li.layer').forEach(li => {
      const on = () => {
        body.classList.add('highlighting');
        document.querySelectorAll('#treemap .leaf').forEach(c => c.classList.toggle('hl', c.dataset.layer === li.dataset.layer));
      };
      const off = () => body.classList.remove('highlighting');
      li.addEventListener('mouseenter', on); li.addEventListener('focus', on);
      li.addEventListener('mouseleave', off); li.addEventListener('blur', off);
    });
    document.querySelectorAll('button.expand').forEach(b => b.addEventListener('click', () => {
      const open = b.getAttribute('aria-expanded') !== 'true';
      b.setAttribute('aria-expanded', String(open));
      b.textContent = open ? '▾' : '▸';
      document.getElementById(b.getAttribute('aria-controls')).hidden = !open;
    }));
    document.querySelectorAll('button.copy').forEach(b => b.addEventListener('click', () => {
      const text = b.parentNode.querySelector('pre').textContent;
      const done = () => { b.textContent = 'Copied'; setTimeout(() => { b.textContent = 'Copy the fix'; }, 1500); };
      const select = () => {
        const range = document.createRange();
        range.selectNodeContents(b.parentNode.querySelector('pre'));
        getSelection().removeAllRanges(); getSelection().addRange(range);
        b.textContent = 'Selected: press Ctrl+C';
      };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, select); else select();
    }));
    document.querySelectorAll('table.sortable').forEach(sortable);
    let pending = 0;
    window.addEventListener('resize', () => { clearTimeout(pending); pending = setTimeout(draw, 100); });
  }

  // Sorts a table's row groups (one tbody per finding) or rows by the clicked column's data key.
  function sortable(table) {
    const heads = table.querySelectorAll('th[data-key]');
    heads.forEach(th => th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key, num = 'num' in th.dataset;
      const dir = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
      heads.forEach(h => h.setAttribute('aria-sort', 'none'));
      th.setAttribute('aria-sort', dir);
      const groups = table.tBodies.length > 1 ? [...table.tBodies] : [...table.tBodies[0].rows];
      const parent = groups[0].parentNode;
      const val = g => (num ? Number(g.dataset[key]) : g.dataset[key] || '');
      groups.sort((a, b) => {
        const x = val(a), y = val(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return dir === 'ascending' ? c : -c;
      });
      parent.append(...groups);
    }));
  }

  wire();
  // `report.html#waste` opens with the waste colouring (a link to share, and the browser test).
  if (!isDiff && location.hash === '#waste') setMode('waste'); else draw();
  // When the page was ready, in ms since navigation started: benches/html-report.sh reads it.
  body.dataset.readyMs = String(Math.round(performance.now()));
})();
