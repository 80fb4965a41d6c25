// sciagraph report viewer: draws the embedded call trees on canvas. No network, no libraries.
// Data: {page: {...}, graphs: [{kind, unit, names, name, parent, total_value, self_value,
// hidden, cpu?, cpu_self?, top, source?, inverted, import_frames?, import_frame_name?,
// top_folded?}]}; nodes are in pre-order, children after their parent (report/json_out.h).
// A diff graph (report/diff_json.h) is drawn on AFTER's values and adds value_kind, before,
// before_self and changes; it has no inverted tree and no import frames.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('sciagraph-data').textContent);
  const page = data.page || {};
  const ROW = 17;
  const tooltip = document.getElementById('tooltip');

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of children || []) if (c) e.appendChild(c);
    return e;
  }

  // Value formatting, as the SVG and the header do it.
  function humanBytes(b) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let u = 0;
    while (Math.abs(b) >= 1024 && u < units.length - 1) { b /= 1024; u++; }
    return (u === 0 ? b.toFixed(0) : b.toFixed(b < 10 ? 2 : b < 100 ? 1 : 0)) + ' ' + units[u];
  }
  function humanMicros(us) {
    const s = us / 1e6;
    if (s >= 60) {
      const w = Math.floor(s);
      return (w >= 3600 ? Math.floor(w / 3600) + ' h ' : '') + Math.floor((w % 3600) / 60) +
        ' min ' + (w % 60) + ' s';
    }
    if (s >= 1) return s.toFixed(2) + ' s';
    if (us >= 1000) return (us / 1000).toFixed(us < 10000 ? 2 : 1) + ' ms';
    return us.toFixed(0) + ' µs';
  }
  function formatter(kind) {
    if (kind === 'memory') return humanBytes;
    if (kind === 'time') return humanMicros;
    return (v) => v.toLocaleString('en-US') + (v === 1 ? ' sample' : ' samples');
  }
  function pct(part, whole) {
    return whole > 0 ? (100 * part / whole).toFixed(2) + '%' : '0%';
  }

  // Colours: the same rules as report/graph.cpp.
  function fnv(s) {
    const bytes = new TextEncoder().encode(s);
    let h = 2166136261;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
    return h;
  }
  function hex(r, g, b) {
    return '#' + [r, g, b].map((v) => (v & 255).toString(16).padStart(2, '0')).join('');
  }
  function origin(name) {
    if (name.startsWith('[')) return 'pseudo';
    if (name.includes('site-packages') || name.includes('dist-packages')) return 'library';
    if (name.includes('/lib/python') || name.includes('<frozen ')) return 'stdlib';
    return 'user';
  }
  function nameColour(name) {
    const t = (fnv(name) % 1000) / 1000;
    switch (origin(name)) {
      case 'pseudo': return hex(160 + (t * 30 | 0), 160 + (t * 30 | 0), 165 + (t * 30 | 0));
      case 'library': return hex(80 + (t * 50 | 0), 150 + (t * 50 | 0), 205 + (t * 40 | 0));
      case 'stdlib': return hex(120 + (t * 50 | 0), 185 + (t * 40 | 0), 110 + (t * 40 | 0));
    }
    return hex(235 + (t * 20 | 0), 110 + (t * 90 | 0), 40 + (t * 30 | 0));
  }
  function cpuColour(share) {
    return hex(0x4e + share * (0xf0 - 0x4e) | 0, 0x8f + share * (0x78 - 0x8f) | 0,
      0xd6 + share * (0x2d - 0xd6) | 0);
  }
  // Differential flamegraph: red grew, blue shrank, as flamegraph.pl draws a `stack before
  // after` file; the shade is the change relative to the larger side (new or gone: full).
  function diffColour(before, after) {
    const larger = Math.max(before, after);
    const k = larger > 0 ? Math.abs(after - before) / larger : 0;
    const to = after >= before ? [0xd7, 0x30, 0x27] : [0x2c, 0x6f, 0xbb];
    return hex(0xee + k * (to[0] - 0xee) | 0, 0xee + k * (to[1] - 0xee) | 0,
      0xee + k * (to[2] - 0xee) | 0);
  }
  function signed(fmt, delta) {
    return (delta >= 0 ? '+' : '−') + fmt(Math.abs(delta));
  }
  function relChange(before, after) {
    if (before === 0) return after === 0 ? '0%' : 'new';
    const r = 100 * (after - before) / before;
    return (r >= 0 ? '+' : '−') + Math.abs(r).toFixed(1) + '%';
  }

  // Search: substring by default, regex on request; a bad regex never throws.
  function makeMatcher(query, regex, caseSensitive) {
    if (!query) return null;
    if (regex) {
      try {
        const re = new RegExp(query, caseSensitive ? '' : 'i');
        return (s) => re.test(s);
      } catch (e) {
        return undefined;
      }
    }
    if (caseSensitive) return (s) => s.includes(query);
    const q = query.toLowerCase();
    return (s) => s.toLowerCase().includes(q);
  }

  // The whole name if it fits, else the function without its (file:line), else cut.
  function fitLabel(name, chars) {
    if (name.length <= chars) return name;
    const paren = name.indexOf(' (');
    if (paren > 0 && paren + 2 <= chars) return name.slice(0, paren) + ' ..';
    return name.slice(0, chars - 2) + '..';
  }

  // The columns of one drawable tree (the graph's own, or its inverted view).
  const COLUMNS = ['name', 'parent', 'total_value', 'self_value', 'hidden', 'cpu', 'cpu_self'];
  function columnsOf(src) {
    const t = {};
    for (const c of COLUMNS) t[c] = src[c] || null;
    return t;
  }

  // Each run of import machinery frames on a path made one frame, as report/tree_views.cpp's
  // fold_import_frames does on the whole tree; here on the drawn (pruned) tree, whose frames too
  // narrow to draw stay counted in `hidden`. Totals are unchanged.
  function foldImports(t, isImport, folded, names) {
    const n = t.name.length, time = !!t.cpu;
    const out = {name: [t.name[0]], parent: [0], total_value: [t.total_value[0]],
      self_value: [t.self_value[0]], hidden: [t.hidden[0]], cpu: time ? [t.cpu[0]] : null,
      cpu_self: time ? [t.cpu_self[0]] : null};
    const kids = [[]], index = new Map(), map = new Int32Array(n);
    for (let i = 1; i < n; i++) {
      const p = map[t.parent[i]], imp = isImport.has(t.name[i]);
      let m;
      if (imp && p !== 0 && out.name[p] === folded) {
        m = p;  // the run goes on: its total is already in the run's first frame's
      } else {
        const name = imp ? folded : t.name[i], key = p + ',' + name;
        m = index.get(key);
        if (m === undefined) {
          m = out.name.length;
          index.set(key, m);
          out.name.push(name); out.parent.push(p); out.total_value.push(0);
          out.self_value.push(0); out.hidden.push(0);
          if (time) { out.cpu.push(0); out.cpu_self.push(0); }
          kids.push([]);
          kids[p].push(m);
        }
        out.total_value[m] += t.total_value[i];
        if (time) out.cpu[m] += t.cpu[i];
      }
      out.self_value[m] += t.self_value[i];
      out.hidden[m] += t.hidden[i];
      if (time) out.cpu_self[m] += t.cpu_self[i];
      map[i] = m;
    }
    // Pre-order again, children in name order, as the C++ side writes every tree.
    const res = {name: [], parent: [], total_value: [], self_value: [], hidden: [],
      cpu: time ? [] : null, cpu_self: time ? [] : null};
    const stack = [[0, 0]];
    while (stack.length) {
      const [node, parentPos] = stack.pop();
      const pos = res.name.length;
      for (const c of COLUMNS) if (res[c] && c !== 'parent') res[c].push(out[c][node]);
      res.parent.push(parentPos);
      const ks = kids[node].slice().sort((a, b) => {
        const x = names[out.name[a]], y = names[out.name[b]];
        return x < y ? -1 : x > y ? 1 : 0;
      });
      for (let k = ks.length - 1; k >= 0; k--) stack.push([ks[k], pos]);
    }
    return res;
  }

  function showTooltip(text, x, y, source) {
    tooltip.textContent = '';
    const lines = text.split('\n');
    tooltip.appendChild(el('b', {text: lines[0]}));
    if (source) tooltip.appendChild(el('code', {class: 'src', text: '\n' + source}));
    tooltip.appendChild(document.createTextNode('\n' + lines.slice(1).join('\n')));
    tooltip.hidden = false;
    const r = tooltip.getBoundingClientRect();
    const left = Math.min(x + 14, window.innerWidth - r.width - 8);
    const top = y + 18 + r.height > window.innerHeight ? y - r.height - 10 : y + 18;
    tooltip.style.left = Math.max(4, left) + 'px';
    tooltip.style.top = Math.max(4, top) + 'px';
  }
  function hideTooltip() { tooltip.hidden = true; }

  class FlameView {
    constructor(graph, container, index) {
      this.g = graph;
      this.fmt = formatter(graph.value_kind || graph.kind);
      this.diff = graph.kind === 'diff';
      this.inverted = false;
      this.showImports = false;  // the import machinery is one frame unless asked for
      this.importSet = new Set(graph.import_frames || []);
      this.hasImports = this.importSet.size > 0 && graph.import_frame_name != null;
      this.layout();
      this.zoom = 0;
      this.focus = -1;
      this.icicle = true;  // densest part at the top of the page, where scrolling starts
      this.matches = null;
      this.matchList = [];
      this.matchCursor = -1;
      this.build(container, index);
    }

    // The tree the view draws now: the graph's or its inverted one, import frames folded or not.
    currentTree() {
      const g = this.g;
      let t = this.inverted && g.inverted ? columnsOf(g.inverted) : columnsOf(g);
      if (this.hasImports && !this.showImports) {
        t = foldImports(t, this.importSet, g.import_frame_name, g.names);
      }
      return t;
    }

    sourceOf(nameIndex) {
      return this.g.source ? this.g.source[nameIndex] || '' : '';
    }

    layout() {
      const graph = this.g, t = this.t = this.currentTree();
      const n = t.name.length;
      this.n = n;
      this.nameIdx = t.name;
      this.names = t.name.map((i) => graph.names[i]);
      this.total = t.total_value;
      this.x = new Float64Array(n);
      this.depth = new Int32Array(n);
      this.end = new Int32Array(n);  // one past the last node of each subtree
      this.children = Array.from({length: n}, () => []);
      const cursor = new Float64Array(n);
      this.maxDepth = 0;
      for (let i = 1; i < n; i++) {
        const p = t.parent[i];
        this.x[i] = cursor[p];
        cursor[p] += t.total_value[i];
        cursor[i] = this.x[i];
        this.depth[i] = this.depth[p] + 1;
        if (this.depth[i] > this.maxDepth) this.maxDepth = this.depth[i];
        this.children[p].push(i);
      }
      for (let i = 0; i < n; i++) this.end[i] = i + 1;
      for (let i = n - 1; i > 0; i--) {
        const p = t.parent[i];
        if (this.end[i] > this.end[p]) this.end[p] = this.end[i];
      }
      this.colours = new Array(n);
      for (let i = 0; i < n; i++) {
        this.colours[i] = i === 0 ? '#c8c8c8' : this.diff
          ? diffColour(graph.before[i], this.total[i]) : graph.kind === 'time'
          ? cpuColour(this.total[i] > 0 ? t.cpu[i] / this.total[i] : 0)
          : nameColour(this.names[i]);
      }
    }

    // Switches the tree drawn (inverted, import frames): zoom and focus start over, the search
    // is run again on the new frames, the table follows the import switch.
    relayout() {
      this.layout();
      this.zoom = 0;
      this.focus = -1;
      this.reset.disabled = true;
      if (this.invertBtn) this.invertBtn.setAttribute('aria-pressed', String(this.inverted));
      if (this.importBox) this.importBox.checked = this.showImports;
      this.tableHost.replaceChildren(this.table());
      this.setSearch(this.search.value, this.regex.checked, this.matchCase.checked);
      this.showDetails(-1);
    }

    build(container, index) {
      const g = this.g;
      const id = 'graph' + index;
      const section = el('section', {class: 'graph', id: id, 'aria-labelledby': id + '-title'});
      section.appendChild(el('h2', {id: id + '-title', text: g.title}));
      let sub = g.subtitle || '';
      if (g.pruned_total > 0) {
        sub += (sub ? ' · ' : '') + 'frames under ' + g.min_width_px + ' px not drawn: ' +
          pct(g.pruned_total, this.total[0] || 0) + ' of the total';
      }
      if (sub) section.appendChild(el('p', {class: 'subtitle', text: sub}));
      container.appendChild(section);
      if (!this.n || !this.total[0]) {
        section.appendChild(el('p', {class: 'empty', text: this.diff
          ? 'Nothing of AFTER to draw: every stack is gone.' : 'No samples were recorded for this graph.'}));
        if (this.diff) section.appendChild(this.changesTable());
        this.empty = true;
        return;
      }
      const search = el('input', {type: 'search', placeholder: 'Search functions, files…',
        'aria-label': 'Search frames in ' + g.title});
      const regex = el('input', {type: 'checkbox', 'aria-label': 'Regular expression'});
      const matchCase = el('input', {type: 'checkbox', 'aria-label': 'Match case'});
      const matched = el('span', {class: 'matched', 'aria-live': 'polite'});
      const reset = el('button', {type: 'button', text: 'Reset zoom', disabled: ''});
      const flameBtn = el('button', {type: 'button', text: 'Flame', 'aria-pressed': 'false'});
      const icicleBtn = el('button', {type: 'button', text: 'Icicle', 'aria-pressed': 'true'});
      const invertBtn = this.diff ? null : el('button', {type: 'button', text: 'Inverted',
        'aria-pressed': 'false', title: 'The lines that allocate or run at the root, their callers beyond'});
      const importBox = this.hasImports ? el('input', {type: 'checkbox',
        'aria-label': 'Show the import machinery frames'}) : null;
      const toolbar = el('div', {class: 'toolbar', role: 'toolbar', 'aria-label': 'Flamegraph controls'}, [
        search,
        el('label', {}, [regex, document.createTextNode(' regex')]),
        el('label', {}, [matchCase, document.createTextNode(' match case')]),
        matched, reset, el('span', {}, [flameBtn, document.createTextNode(' '), icicleBtn]),
        invertBtn,
        importBox && el('label', {title: 'Frames of importlib\'s <frozen ...> modules; folded into ' +
          'one [import machinery] frame when not shown'}, [importBox,
          document.createTextNode(' import machinery')]),
      ]);
      section.appendChild(toolbar);
      section.appendChild(this.legend());
      const canvas = el('canvas', {class: 'flame', tabindex: '0', role: 'img',
        'aria-label': g.title + ': flamegraph. Arrow keys move between frames, Enter zooms, Escape resets.'});
      const wrap = el('div', {class: 'canvas-wrap'}, [canvas]);
      section.appendChild(wrap);
      const details = el('div', {class: 'details', 'aria-live': 'polite'});
      section.appendChild(details);
      section.appendChild(el('p', {class: 'kbd-help', text:
        'Click a frame to zoom, click the bottom frame or press Escape to reset. Keyboard: Tab to the graph, ' +
        'arrows move, Enter zooms; / searches; Enter and Shift+Enter in the search box go through matches.'}));
      const tableHost = el('div', {class: 'top-table'}, [this.diff ? this.changesTable() : this.table()]);
      section.appendChild(tableHost);
      Object.assign(this, {section, search, regex, matchCase, matched, reset, flameBtn, icicleBtn,
        invertBtn, importBox, canvas, details, tableHost});

      const onSearch = () => this.setSearch(search.value, regex.checked, matchCase.checked);
      search.addEventListener('input', onSearch);
      regex.addEventListener('change', onSearch);
      matchCase.addEventListener('change', onSearch);
      search.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { this.nextMatch(e.shiftKey ? -1 : 1); e.preventDefault(); }
        if (e.key === 'Escape') { search.value = ''; onSearch(); }
      });
      reset.addEventListener('click', () => this.setZoom(0));
      flameBtn.addEventListener('click', () => this.setIcicle(false));
      icicleBtn.addEventListener('click', () => this.setIcicle(true));
      if (invertBtn) {
        invertBtn.addEventListener('click', () => { this.inverted = !this.inverted; this.relayout(); });
      }
      if (importBox) {
        importBox.addEventListener('change', () => { this.showImports = importBox.checked; this.relayout(); });
      }
      canvas.addEventListener('mousemove', (e) => this.hover(e));
      canvas.addEventListener('mouseleave', () => { hideTooltip(); this.showDetails(this.focus); });
      canvas.addEventListener('click', (e) => {
        const i = this.hit(e);
        if (i >= 0) { this.focus = i; this.setZoom(i === this.zoom ? 0 : i); }
      });
      canvas.addEventListener('keydown', (e) => this.key(e));
      canvas.addEventListener('focus', () => { if (this.focus < 0) { this.focus = this.zoom; this.draw(); } });
    }

    legend() {
      if (this.diff) {
        return el('div', {class: 'legend'}, [
          el('span', {}, [el('span', {class: 'swatch', style: 'background:#2c6fbb'}),
            document.createTextNode('shrank')]),
          el('span', {class: 'gradient diff', role: 'img', 'aria-label': 'from shrank through unchanged to grew'}),
          el('span', {}, [el('span', {class: 'swatch', style: 'background:#d73027'}),
            document.createTextNode('grew')]),
          el('span', {text: '· shade: change relative to the larger of before and after · width: after'}),
        ]);
      }
      if (this.g.kind === 'time') {
        return el('div', {class: 'legend'}, [
          el('span', {}, [el('span', {class: 'swatch', style: 'background:#4e8fd6'}),
            document.createTextNode('waiting (sleep, I/O, locks, GIL)')]),
          el('span', {class: 'gradient', role: 'img', 'aria-label': 'from waiting to CPU'}),
          el('span', {}, [el('span', {class: 'swatch', style: 'background:#f0782d'}),
            document.createTextNode('running on CPU')]),
          el('span', {text: '· width: CPU + waiting time'}),
        ]);
      }
      const items = [['#f09c3c', 'your code'], ['#6eb4e6', 'libraries (site-packages)'],
        ['#8fcd82', 'standard library'], ['#afafb4', 'no Python frame']];
      return el('div', {class: 'legend'}, items.map(([c, t]) => el('span', {}, [
        el('span', {class: 'swatch', style: 'background:' + c}), document.createTextNode(t)]))
        .concat([el('span', {text: '· width: ' + (this.g.kind === 'memory' ? 'bytes at the peak' : 'samples')})]));
    }

    table() {
      const g = this.g, fmt = this.fmt, total = this.total[0];
      const top = this.hasImports && !this.showImports && g.top_folded ? g.top_folded : g.top;
      const time = g.kind === 'time';
      const rows = [];
      for (let r = 0; r < top.count; r++) {
        rows.push({name: g.names[top.name[r]], source: this.sourceOf(top.name[r]),
          self: top.self_value[r], total: top.total_value[r], cpu: time ? top.cpu_self[r] : 0});
      }
      const cols = [['name', 'Function (file:line)', false], ['self', 'Self', true],
        ['selfPct', 'Self %', true], ['total', 'Total', true], ['totalPct', 'Total %', true]];
      if (time) cols.push(['cpu', 'Self CPU', true], ['wait', 'Self waiting', true]);
      const tbody = el('tbody');
      let sortKey = 'self', desc = true;
      const value = (row, key) => key === 'selfPct' ? row.self : key === 'totalPct' ? row.total
        : key === 'wait' ? row.self - row.cpu : row[key];
      const fill = () => {
        rows.sort((a, b) => {
          const va = value(a, sortKey), vb = value(b, sortKey);
          const c = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
          return desc ? -c : c;
        });
        tbody.textContent = '';
        for (const row of rows) {
          const nameCell = el('td', {class: 'name', text: row.name});
          if (row.source) nameCell.appendChild(el('code', {class: 'src', text: row.source}));
          const tr = el('tr', {tabindex: '0', title: 'Search for this function'}, [
            nameCell,
            el('td', {class: 'num', text: fmt(row.self)}),
            el('td', {class: 'num', text: pct(row.self, total)}),
            el('td', {class: 'num', text: fmt(row.total)}),
            el('td', {class: 'num', text: pct(row.total, total)}),
          ]);
          if (time) {
            tr.appendChild(el('td', {class: 'num', text: fmt(row.cpu)}));
            tr.appendChild(el('td', {class: 'num', text: fmt(row.self - row.cpu)}));
          }
          const pick = () => {
            this.search.value = row.name; this.regex.checked = false;
            this.setSearch(row.name, false, true);
            this.canvas.scrollIntoView({block: 'nearest'});
          };
          tr.addEventListener('click', pick);
          tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') pick(); });
          tbody.appendChild(tr);
        }
      };
      const head = el('tr');
      for (const [key, label, num] of cols) {
        const b = el('button', {type: 'button', text: label});
        b.addEventListener('click', () => {
          desc = sortKey === key ? !desc : key !== 'name';
          sortKey = key;
          fill();
        });
        head.appendChild(el('th', {class: num ? 'num' : '', scope: 'col'}, [b]));
      }
      fill();
      return el('div', {}, [el('h3', {text: 'Top functions by self ' + (time ? 'time' : 'value')}),
        el('div', {class: 'table-wrap'}, [el('table', {}, [el('thead', {}, [head]), tbody])])]);
    }

    // The largest changes, stack by stack: its last frame, before, after, change.
    changesTable() {
      const g = this.g, c = g.changes, fmt = this.fmt;
      const tbody = el('tbody');
      for (let r = 0; r < c.count; r++) {
        const frames = c.stack[r].map((n) => g.names[n]);
        const leaf = frames[frames.length - 1] || '';
        const delta = c.after[r] - c.before[r];
        const tr = el('tr', {tabindex: '0', title: frames.join('\n')}, [
          el('td', {class: 'name', text: leaf}),
          el('td', {class: 'num', text: fmt(c.before[r])}),
          el('td', {class: 'num', text: fmt(c.after[r])}),
          el('td', {class: 'num ' + (delta > 0 ? 'grew' : 'shrank'), text: signed(fmt, delta)}),
          el('td', {class: 'num', text: relChange(c.before[r], c.after[r])}),
        ]);
        const pick = () => {
          if (!this.search) return;
          this.search.value = leaf; this.regex.checked = false;
          this.setSearch(leaf, false, true);
          this.canvas.scrollIntoView({block: 'nearest'});
        };
        tr.addEventListener('click', pick);
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') pick(); });
        tbody.appendChild(tr);
      }
      const head = el('tr', {}, ['Stack (last frame; hover for all)', 'Before', 'After', 'Change', 'Relative']
        .map((t, k) => el('th', {class: k ? 'num' : '', scope: 'col', text: t})));
      return el('div', {}, [el('h3', {text: 'Largest changes, by stack'}),
        c.count ? el('div', {class: 'table-wrap'}, [el('table', {}, [el('thead', {}, [head]), tbody])])
          : el('p', {text: 'No stack changed.'})]);
    }

    label(i) {
      const g = this.g, tr = this.t, fmt = this.fmt, t = this.total[i], root = this.total[0];
      if (this.diff) {
        const b = g.before[i];
        let s = this.names[i] + '\nbefore ' + fmt(b) + ' · after ' + fmt(t) + ' · ' +
          signed(fmt, t - b) + ' (' + relChange(b, t) + ')';
        s += '\nself: before ' + fmt(g.before_self[i]) + ' · after ' + fmt(g.self_value[i]);
        s += '\n' + pct(t, root) + ' of after';
        if (g.hidden[i] > 0) s += '\n' + fmt(g.hidden[i]) + ' in frames too narrow to draw';
        return s;
      }
      const zt = this.total[this.zoom];
      let s = this.names[i] + '\n' + fmt(t) + ' · ' + pct(t, root) + ' of total';
      if (this.zoom !== 0) s += ' · ' + pct(t, zt) + ' of zoomed frame';
      // Inverted, a frame's self is where its path's outermost caller is: no figure to show.
      if (!this.inverted) s += '\nself ' + fmt(tr.self_value[i]) + ' (' + pct(tr.self_value[i], root) + ')';
      if (g.kind === 'time') {
        s += '\nCPU ' + fmt(tr.cpu[i]) + ', waiting ' + fmt(t - tr.cpu[i]) + ' (' + pct(tr.cpu[i], t) + ' CPU)';
      }
      if (tr.hidden[i] > 0) s += '\n' + fmt(tr.hidden[i]) + ' in frames too narrow to draw';
      return s;
    }

    showDetails(i) {
      if (!this.details) return;
      if (i < 0) { this.details.textContent = ''; return; }
      const lines = this.label(i).split('\n'), source = this.sourceOf(this.nameIdx[i]);
      if (source) lines.splice(1, 0, source);
      this.details.textContent = lines.join(' · ');
    }

    setIcicle(on) {
      this.icicle = on;
      this.flameBtn.setAttribute('aria-pressed', String(!on));
      this.icicleBtn.setAttribute('aria-pressed', String(on));
      this.draw();
    }

    setZoom(i) {
      this.zoom = i;
      this.reset.disabled = i === 0;
      this.draw();
      this.updateMatched();
      this.showDetails(i === 0 ? -1 : i);
    }

    setSearch(query, regex, caseSensitive) {
      const m = makeMatcher(query, regex, caseSensitive);
      this.search.classList.toggle('invalid', m === undefined);
      this.matches = null;
      this.matchList = [];
      this.matchCursor = -1;
      if (m) {
        this.matches = new Uint8Array(this.n);
        for (let i = 1; i < this.n; i++) {
          if (m(this.names[i])) { this.matches[i] = 1; this.matchList.push(i); }
        }
      }
      this.matched.textContent = m === undefined ? 'invalid regular expression' : '';
      this.updateMatched();
      this.draw();
    }

    // Matched share without counting a match inside another match twice.
    updateMatched() {
      if (!this.matches) return;
      const lo = this.zoom, hi = this.end[this.zoom];
      let sum = 0, count = 0;
      for (let i = lo; i < hi;) {
        if (this.matches[i]) { sum += this.total[i]; i = this.end[i]; } else i++;
      }
      for (const i of this.matchList) if (i >= lo && i < hi) count++;
      let text = 'Matched: ' + pct(sum, this.total[0]) + ' of total (' + this.fmt(sum) + ', ' +
        count + ' frames)';
      if (this.zoom !== 0) text += ', ' + pct(sum, this.total[this.zoom]) + ' of zoomed frame';
      this.matched.textContent = text;
    }

    nextMatch(step) {
      if (!this.matchList.length) return;
      this.matchCursor = (this.matchCursor + step + this.matchList.length) % this.matchList.length;
      this.focus = this.matchList[this.matchCursor];
      const z = this.zoom;
      if (!(this.focus >= z && this.focus < this.end[z])) this.setZoom(0);
      this.draw();
      this.showDetails(this.focus);
    }

    key(e) {
      let i = this.focus < 0 ? this.zoom : this.focus;
      const p = this.t.parent;
      const siblings = i === 0 ? [0] : this.children[p[i]];
      const at = siblings.indexOf(i);
      const down = this.icicle ? 'ArrowDown' : 'ArrowUp';
      const up = this.icicle ? 'ArrowUp' : 'ArrowDown';
      switch (e.key) {
        case down: {
          const c = this.children[i];
          if (c.length) i = c.reduce((a, b) => (this.total[b] > this.total[a] ? b : a));
          break;
        }
        case up: if (i !== 0) i = p[i]; break;
        case 'ArrowLeft': if (at > 0) i = siblings[at - 1]; break;
        case 'ArrowRight': if (at + 1 < siblings.length) i = siblings[at + 1]; break;
        case 'Enter': case ' ': this.setZoom(i); break;
        case 'Escape': this.setZoom(0); break;
        default: return;
      }
      e.preventDefault();
      this.focus = i;
      if (!(i >= this.zoom && i < this.end[this.zoom])) this.setZoom(0);
      this.draw();
      this.showDetails(i);
    }

    hit(e) {
      const r = this.canvas.getBoundingClientRect();
      const x = e.clientX - r.left, y = e.clientY - r.top;
      const row = this.rows && this.rows[Math.floor(y / ROW)];
      if (!row) return -1;
      for (const f of row) if (x >= f[1] && x < f[1] + Math.max(f[2], 1)) return f[0];
      return -1;
    }

    hover(e) {
      const i = this.hit(e);
      if (i < 0) { hideTooltip(); return; }
      showTooltip(this.label(i), e.clientX, e.clientY, this.sourceOf(this.nameIdx[i]));
      this.showDetails(i);
    }

    draw() {
      if (this.empty) return;
      const canvas = this.canvas, dpr = window.devicePixelRatio || 1;
      const width = canvas.clientWidth || 1000;
      const depthRows = this.maxDepth + 1;
      const height = depthRows * ROW;
      canvas.style.height = height + 'px';
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      const ctx = canvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.font = '12px ui-monospace, Menlo, Consolas, monospace';
      ctx.textBaseline = 'middle';
      const charW = this.charW || (this.charW = ctx.measureText('mmmmmmmmmm').width / 10);
      const z = this.zoom, x0 = this.x[z], w0 = this.total[z] || 1;
      const scale = width / w0;
      const rowOf = (d) => (this.icicle ? d : this.maxDepth - d);
      this.rows = Array.from({length: depthRows}, () => []);
      const style = getComputedStyle(document.documentElement);
      const matchColour = style.getPropertyValue('--match').trim() || '#d633e8';
      const focusColour = style.getPropertyValue('--focus').trim() || '#000';
      const textColour = style.getPropertyValue('--frame-text').trim() || '#111';
      const drawFrame = (i, x, w, faded) => {
        const y = rowOf(this.depth[i]) * ROW;
        this.rows[rowOf(this.depth[i])].push([i, x, w]);
        const dim = faded || (this.matches && !this.matches[i]);
        ctx.globalAlpha = dim ? 0.4 : 1;
        ctx.fillStyle = this.matches && this.matches[i] ? matchColour : this.colours[i];
        ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), ROW - 1);
        if (i === this.focus) {
          ctx.globalAlpha = 1;
          ctx.strokeStyle = focusColour;
          ctx.lineWidth = 2;
          ctx.strokeRect(x + 1, y + 1, Math.max(w - 2.5, 1), ROW - 3);
        }
        const chars = Math.floor((w - 6) / charW);
        if (chars >= 3) {
          ctx.globalAlpha = dim ? 0.6 : 1;
          ctx.fillStyle = textColour;
          ctx.fillText(fitLabel(i === 0 ? 'all' : this.names[i], chars), x + 3, y + ROW / 2);
        }
      };
      // Ancestors of the zoomed frame, full width and faded.
      for (let a = z; ; a = this.t.parent[a]) {
        if (a !== z) drawFrame(a, 0, width, true);
        if (a === 0) break;
      }
      // The zoomed subtree; frames under half a pixel are skipped with their subtrees.
      for (let i = z; i < this.end[z];) {
        const w = this.total[i] * scale;
        if (w < 0.5) { i = this.end[i]; continue; }
        drawFrame(i, (this.x[i] - x0) * scale, w, false);
        i++;
      }
      ctx.globalAlpha = 1;
    }
  }

  // Header: what ran, how it ended, what it cost; then every process.
  function header() {
    const h = document.getElementById('header');
    h.appendChild(el('h1', {text: page.title || 'sciagraph report'}));
    const dl = el('dl', {class: 'facts'});
    for (const [k, v] of page.fields || []) {
      dl.appendChild(el('div', {}, [el('dt', {text: k}), el('dd', {text: v})]));
    }
    h.appendChild(dl);
    if (page.warnings && page.warnings.length) {
      h.appendChild(el('ul', {class: 'warnings', 'aria-label': 'Warnings'},
        page.warnings.map((w) => el('li', {text: '⚠ ' + w}))));
    }
    const procs = page.processes || [];
    if (procs.length > 1) {
      const rows = procs.map((p) => {
        const cell = p.href ? el('a', {href: p.href, text: String(p.pid)}) : el('span', {text: String(p.pid)});
        return el('tr', {class: p.pid === page.current ? 'current' : ''}, [
          el('td', {}, [cell]), el('td', {text: p.ppid == null ? '' : String(p.ppid)}),
          el('td', {text: p.status + (p.error ? ': ' + p.error : '')}),
          el('td', {text: p.ended == null ? '' : p.ended}), el('td', {class: 'num', text: p.peak}),
          el('td', {text: p.pid === page.current ? 'this page' : (p.href ? 'open report' : 'no report')}),
        ]);
      });
      h.appendChild(el('nav', {class: 'processes', 'aria-label': 'Profiled processes'}, [
        el('h3', {text: (page.processes_heading || 'Processes') + ' (' + (page.processes_total > procs.length
          ? procs.length + ' of ' + page.processes_total + ': the root, the parent, this one and its children; the root\'s page lists all'
          : procs.length) + ')'}),
        el('table', {}, [el('thead', {}, [el('tr', {}, (page.processes_columns || ['pid', 'parent', 'status', 'ended', 'peak memory', 'report'])
          .map((t) => el('th', {text: t, scope: 'col'})))]), el('tbody', {}, rows)]),
      ]));
    }
  }

  header();
  const main = document.getElementById('main');
  // The job's memory over time (report/timeline_svg.cpp), made by the report itself: every
  // process as a band stacked to the job's total, each band a link to its process's page.
  if (page.timeline_svg) {
    const section = el('section', {class: 'timeline', 'aria-label': 'Memory over time'});
    section.innerHTML = page.timeline_svg;
    main.appendChild(section);
  }
  const views = (data.graphs || []).map((g, i) => new FlameView(g, main, i));
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; views.forEach((v) => v.draw()); });
  };
  views.forEach((v) => v.draw());
  window.addEventListener('resize', redraw);
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
      const v = views.find((x) => !x.empty);
      if (v) { v.search.focus(); e.preventDefault(); }
    }
  });
  window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  window.sciagraph = {views};
})();
