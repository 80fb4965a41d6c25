// sciagraph flamegraph SVG: click to zoom, "Reset Zoom", search by regex or substring
// (Ctrl-F), case toggle ("ic"). Frames: #frames > g, each <title>, <rect>, <text>.
(function () {
  'use strict';
  var svg, frames = [], details, matchedText, unzoomBtn, searchBtn, icBtn;
  var ignoreCase = false, currentSearch = null, width = 1200, pad = 10, charW = 7.2;
  function init() {
    svg = document.documentElement;
    details = document.getElementById('details').firstChild;
    matchedText = document.getElementById('matched');
    unzoomBtn = document.getElementById('unzoom');
    searchBtn = document.getElementById('search');
    icBtn = document.getElementById('ignorecase');
    var gs = document.getElementById('frames').children;
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i], r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];
      var title = g.getElementsByTagName('title')[0].textContent;
      frames.push({g: g, rect: r, text: t, name: title.split('\n')[0], title: title,
        x: parseFloat(r.getAttribute('x')), w: parseFloat(r.getAttribute('width')),
        y: parseFloat(r.getAttribute('y')), fill: r.getAttribute('fill')});
      g.setAttribute('data-i', i);
    }
    document.getElementById('frames').addEventListener('click', function (e) {
      var g = e.target.closest('g[data-i]');
      if (g) zoom(frames[+g.getAttribute('data-i')]);
    });
    document.getElementById('frames').addEventListener('mouseover', function (e) {
      var g = e.target.closest('g[data-i]');
      if (g) details.nodeValue = frames[+g.getAttribute('data-i')].title.replace(/\n/g, ' · ');
    });
    document.getElementById('frames').addEventListener('mouseout', function () { details.nodeValue = ' '; });
    unzoomBtn.addEventListener('click', unzoom);
    searchBtn.addEventListener('click', function () { if (currentSearch !== null) search(''); else searchPrompt(); });
    icBtn.addEventListener('click', function () {
      ignoreCase = !ignoreCase;
      icBtn.setAttribute('font-weight', ignoreCase ? 'bold' : 'normal');
      if (currentSearch !== null) search(currentSearch);
    });
    window.addEventListener('keydown', function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); searchPrompt(); }
      else if (e.key === 'Escape') unzoom();
      else if ((e.ctrlKey || e.metaKey) && e.key === 'i') { e.preventDefault(); icBtn.dispatchEvent(new Event('click')); }
    });
  }
  function fit(f, w) {
    var chars = Math.floor((w - 6) / charW);
    var name = f.name, paren = name.indexOf(' (');
    f.text.textContent = chars < 3 ? '' : name.length <= chars ? name
      : paren > 0 && paren + 2 <= chars ? name.slice(0, paren) + ' ..' : name.slice(0, chars - 2) + '..';
  }
  function zoom(target) {
    var x0 = target.x, w0 = target.w, scale = (width - 2 * pad) / w0;
    unzoomBtn.classList.remove('hide');
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var inside = f.x >= x0 - 0.0001 && f.x + f.w <= x0 + w0 + 0.0001 && f.y <= target.y;
      var ancestor = f.y > target.y && f.x <= x0 + 0.0001 && f.x + f.w >= x0 + w0 - 0.0001;
      f.g.classList.toggle('hide', !inside && !ancestor);
      f.g.classList.toggle('faded', ancestor);
      var nx = ancestor ? pad : pad + (f.x - x0) * scale, nw = ancestor ? width - 2 * pad : f.w * scale;
      f.rect.setAttribute('x', nx.toFixed(2));
      f.rect.setAttribute('width', nw.toFixed(2));
      f.text.setAttribute('x', (nx + 3).toFixed(2));
      fit(f, nw);
    }
  }
  function unzoom() {
    unzoomBtn.classList.add('hide');
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      f.g.classList.remove('hide', 'faded');
      f.rect.setAttribute('x', f.x.toFixed(2));
      f.rect.setAttribute('width', f.w.toFixed(2));
      f.text.setAttribute('x', (f.x + 3).toFixed(2));
      fit(f, f.w);
    }
  }
  function searchPrompt() {
    var term = prompt('Search for (regular expression; plain text works too)' +
      (ignoreCase ? ', ignoring case' : '') + ':', currentSearch || '');
    if (term === null) return;
    search(term);
  }
  function search(term) {
    currentSearch = term;
    var re = null;
    try { re = term ? new RegExp(term, ignoreCase ? 'i' : '') : null; } catch (e) {
      var q = ignoreCase ? term.toLowerCase() : term;  // not a valid regex: a substring
      re = {test: function (s) { return (ignoreCase ? s.toLowerCase() : s).indexOf(q) >= 0; }};
    }
    var total = frames.length ? frames[0].w : 0, sum = 0, coveredEnd = -1, coveredY = 0;
    // Frames are in pre-order, so a match inside an earlier match lies within its span.
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i], hit = re !== null && i > 0 && re.test(f.name);
      f.rect.setAttribute('fill', hit ? '#d633e8' : f.fill);
      if (hit && !(f.x < coveredEnd - 0.0001 && f.y < coveredY)) {
        sum += f.w; coveredEnd = f.x + f.w; coveredY = f.y;
      }
    }
    searchBtn.textContent = re ? 'Reset Search' : 'Search (Ctrl-F)';
    matchedText.textContent = re ? 'Matched: ' + (total ? (100 * sum / total).toFixed(2) : '0') + '%' : ' ';
    if (!re) currentSearch = null;
  }
  window.addEventListener('load', init);
})();
