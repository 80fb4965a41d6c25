#!/bin/sh
# tests/report/html_check.sh — checks a rendered index.html in headless Chromium (Debian's
# `chromium`): the page loads with no console errors, and search (substring, regex, a bad regex),
# click-to-zoom, Escape-to-reset, the flame/icicle toggle, the import machinery switch (when the
# report has import frames), the inverted view and the source lines in the table and tooltips
# work (and, on the page of `sciagraph report --diff`, which has no inverted view, that frames
# are coloured by their change). It drives the page through real DOM events from a script
# appended to a copy of the report, and reads the results back from the dumped DOM.
#
#   tests/report/html_check.sh path/to/index.html [screenshot.png]
#
# SGCHECK_EXPECT_SOURCE=LINE requires that line of code in the first graph's top table and a
# source line in a frame's tooltip; SGCHECK_EXPECT_IMPORTS=1 requires the import switch.
set -eu
report=$1
shot=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "html_check: chromium is not installed (apt-get install chromium)" >&2
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags="--headless --no-sandbox --disable-gpu --disable-background-networking \
--disable-component-update --disable-sync --no-first-run --window-size=1400,1000"

# 1. The page as it is: no console errors while loading and drawing.
# shellcheck disable=SC2086
timeout 60 "$browser" $flags --user-data-dir="$work/p1" --enable-logging=stderr --v=0 \
    --dump-dom "file://$(realpath "$report")" > "$work/plain.html" 2> "$work/plain.log" || true
if grep -E "CONSOLE|Uncaught" "$work/plain.log" | grep -viE "favicon" > "$work/console.txt"; then
    echo "html_check: FAIL: console messages while loading:" >&2
    cat "$work/console.txt" >&2
    exit 1
fi
grep -q '<canvas class="flame"' "$work/plain.html" || {
    echo "html_check: FAIL: no flamegraph canvas in the rendered page" >&2
    exit 1
}

# 2. A copy with a driver script: search, regex, bad regex, zoom by click, reset, toggle.
cp "$report" "$work/check.html"
cat >> "$work/check.html" <<'JS'
<script>
(function () {
  const out = {errors: []};
  window.addEventListener('error', (e) => out.errors.push(String(e.message)));
  try {
    const v = window.sciagraph.views.find((x) => !x.empty);
    const type = (text, regex) => {
      v.regex.checked = regex;
      v.search.value = text;
      v.search.dispatchEvent(new Event('input'));
      return v.matched.textContent;
    };
    const name = v.names[v.children[0][0]];
    const word = name.replace(/[^A-Za-z_].*$/, '') || name.slice(0, 3);
    out.substring = type(word, false);
    out.substringMatches = v.matchList.length;
    out.regex = type('^' + word.split('').join('+') + '+', true);
    out.regexMatches = v.matchList.length;
    out.badRegex = type('(', true);
    out.badRegexFlagged = v.search.classList.contains('invalid');
    type('', false);
    // Click the widest frame two levels down: the view zooms to it.
    const row = v.rows[2] || v.rows[1];
    const target = row.reduce((a, b) => (b[2] > a[2] ? b : a));
    const r = v.canvas.getBoundingClientRect();
    v.canvas.dispatchEvent(new MouseEvent('click', {bubbles: true,
      clientX: r.left + target[1] + target[2] / 2, clientY: r.top + v.rows.indexOf(row) * 17 + 8}));
    out.zoomTarget = target[0];
    out.zoomedTo = v.zoom;
    out.resetEnabled = !v.reset.disabled;
    v.canvas.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
    out.afterEscape = v.zoom;
    v.flameBtn.click();
    out.flame = !v.icicle;
    out.tableRows = v.section.querySelectorAll('tbody tr').length;
    // The job's memory over time, where the report has one: bands, each with its tooltip.
    out.timeline = document.querySelectorAll('section.timeline svg').length;
    out.timelineBands = document.querySelectorAll('section.timeline path.band').length;
    out.timelineTitles = document.querySelectorAll('section.timeline path.band > title').length;

    // Where frame i is drawn, in client coordinates (its row, the middle of its width).
    const at = (i) => {
      const rr = v.canvas.getBoundingClientRect();
      for (let y = 0; y < v.rows.length; y++) {
        for (const f of v.rows[y]) {
          if (f[0] === i) return {clientX: rr.left + f[1] + f[2] / 2, clientY: rr.top + y * 17 + 8};
        }
      }
      return null;
    };
    const count = (re) => v.names.filter((n) => re.test(n)).length;
    const total = v.total[0];
    // Import machinery: one frame by default; the checkbox shows every frame, totals stay.
    out.importBox = !!v.importBox;
    if (v.importBox) {
      out.foldedFrames = count(/^\[import machinery\]$/);
      out.frozenWhenFolded = count(/<frozen importlib/);
      v.importBox.click();
      out.frozenWhenShown = count(/<frozen importlib/);
      out.foldedWhenShown = count(/^\[import machinery\]$/);
      out.importTotalsEqual = v.total[0] === total;
      v.importBox.click();
      out.foldedAgain = count(/^\[import machinery\]$/);
    }
    // Source lines: under the names in the table, and in a frame's tooltip.
    out.tableSources = Array.from(v.section.querySelectorAll('td.name code.src'), (c) => c.textContent);
    let withSource = -1;
    for (let i = 1; i < v.n && withSource < 0; i++) {
      if (v.sourceOf(v.nameIdx[i]) && at(i)) withSource = i;
    }
    if (withSource > 0) {
      v.canvas.dispatchEvent(new MouseEvent('mousemove', Object.assign({bubbles: true}, at(withSource))));
      const code = document.querySelector('#tooltip code.src');
      out.tooltipSource = code ? code.textContent.trim() : null;
      out.expectedSource = v.sourceOf(v.nameIdx[withSource]);
      out.tooltipShown = !document.getElementById('tooltip').hidden;
    }
    // Inverted: the frames with the most self value at the root, the totals unchanged, zoom works.
    if (v.invertBtn) {
      const topName = v.section.querySelector('tbody tr td.name').firstChild.textContent;
      v.invertBtn.click();
      out.inverted = v.inverted && v.invertBtn.getAttribute('aria-pressed') === 'true';
      out.invertedTotalsEqual = v.total[0] === total;
      const widest = v.children[0].reduce((a, b) => (v.total[b] > v.total[a] ? b : a));
      out.invertedRoot = v.names[widest];
      out.topSelfName = topName;
      v.canvas.dispatchEvent(new MouseEvent('click', Object.assign({bubbles: true}, at(widest))));
      out.invertedZoomed = v.zoom === widest;
      v.invertBtn.click();
      out.backToCallers = !v.inverted && v.total[0] === total && v.zoom === 0;
    }
    // A diff page (sciagraph report --diff): some frame is red or blue, not all unchanged grey.
    out.diff = !!v.diff;
    out.diffColoured = v.diff && v.colours.slice(1).some((c) => c !== '#eeeeee');
  } catch (e) {
    out.errors.push('exception: ' + e);
  }
  document.title = 'SGCHECK ' + JSON.stringify(out);
})();
</script>
JS
# shellcheck disable=SC2086
timeout 60 "$browser" $flags --user-data-dir="$work/p2" --enable-logging=stderr --v=0 \
    --dump-dom "file://$work/check.html" > "$work/checked.html" 2> "$work/checked.log" || true
if grep -E "CONSOLE|Uncaught" "$work/checked.log" | grep -viE "favicon" > "$work/console.txt"; then
    echo "html_check: FAIL: console messages while driving the page:" >&2
    cat "$work/console.txt" >&2
    exit 1
fi
python3 - "$work/checked.html" <<'PY'
import html, json, os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<title>SGCHECK (.*?)</title>", text, re.S)
if not m:
    sys.exit("html_check: FAIL: the driver script did not run")
r = json.loads(html.unescape(m.group(1)))
checks = [
    ("no script errors", r["errors"] == []),
    ("substring search matches", r["substringMatches"] > 0 and r["substring"].startswith("Matched: ")),
    ("regex search matches", r["regexMatches"] > 0 and r["regex"].startswith("Matched: ")),
    ("bad regex is flagged, not thrown", r["badRegexFlagged"] and "invalid" in r["badRegex"]),
    ("click zooms to the frame", r["zoomedTo"] == r["zoomTarget"] and r["zoomedTo"] != 0),
    ("reset is enabled when zoomed", r["resetEnabled"]),
    ("Escape resets the zoom", r["afterEscape"] == 0),
    ("flame view toggles", r["flame"]),
    ("top table has rows", r["tableRows"] > 0),
    ("timeline (if any) has titled bands",
     r["timeline"] == 0 or (r["timelineBands"] > 0 and r["timelineTitles"] == r["timelineBands"])),
    ("inverted view: the top self frame at the root", r["diff"] or r["inverted"] and r["invertedRoot"] == r["topSelfName"]),
    ("inverted view keeps the totals", r["diff"] or r["invertedTotalsEqual"]),
    ("inverted view zooms", r["diff"] or r["invertedZoomed"]),
    ("back from the inverted view", r["diff"] or r["backToCallers"]),
    ("diff frames are coloured by their change", not r["diff"] or r["diffColoured"]),
]
if os.environ.get("SGCHECK_EXPECT_IMPORTS") == "1":
    checks.append(("import machinery switch present", r["importBox"]))
if r["importBox"]:
    checks += [
        ("import machinery folded by default", r["foldedFrames"] > 0 and r["frozenWhenFolded"] == 0),
        ("import switch shows the frames", r["frozenWhenShown"] > 0 and r["foldedWhenShown"] == 0),
        ("import switch keeps the totals", r["importTotalsEqual"]),
        ("import switch folds again", r["foldedAgain"] == r["foldedFrames"]),
    ]
if "SGCHECK_EXPECT_SOURCE" in os.environ:
    want = os.environ["SGCHECK_EXPECT_SOURCE"]
    checks += [
        ("source lines in the top table", want in r["tableSources"]),
        ("source line in a frame's tooltip", r.get("tooltipShown") and r.get("tooltipSource") == r.get("expectedSource") != None),
    ]
failed = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
print("search: " + r["substring"])
if failed:
    sys.exit("html_check: FAIL: " + ", ".join(failed))
PY

# 3. The standalone SVGs next to the report: well-formed XML, and a click zooms (the frame
#    fills the width, others are hidden, "Reset Zoom" shows).
for svg in "$(dirname "$(realpath "$report")")"/*.svg; do
    [ -e "$svg" ] || continue
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$svg" || {
        echo "html_check: FAIL: $svg is not well-formed XML" >&2
        exit 1
    }
    if [ "$(basename "$svg")" = memory-timeline.svg ]; then
        # A chart, not a flamegraph: it loads with no console message and draws its bands.
        # shellcheck disable=SC2086
        timeout 60 "$browser" $flags --user-data-dir="$work/p4" --enable-logging=stderr --v=0 \
            --dump-dom "file://$svg" > "$work/tl.out" 2> "$work/tl.log" || true
        if grep -E "CONSOLE|Uncaught" "$work/tl.log" >&2 || ! grep -q 'class="band"' "$work/tl.out"; then
            echo "html_check: FAIL: memory-timeline.svg: console errors, or no band drawn" >&2
            exit 1
        fi
        echo "ok   memory-timeline.svg: well-formed, bands drawn"
        continue
    fi
    python3 - "$svg" "$work/check.svg" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
driver = """<script type="text/ecmascript"><![CDATA[
window.addEventListener('load', function () { setTimeout(function () {
  var gs = document.getElementById('frames').children, g = gs[Math.min(1, gs.length - 1)];
  g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  var w = parseFloat(g.getElementsByTagName('rect')[0].getAttribute('width'));
  var shown = !document.getElementById('unzoom').classList.contains('hide');
  document.getElementById('title').textContent = 'SVGCHECK ' + (w > 1179 && shown ? 'ok' : 'bad');
}, 0); });
]]></script>
</svg>"""
open(sys.argv[2], "w", encoding="utf-8").write(text[: text.rindex("</svg>")] + driver)
PY
    # shellcheck disable=SC2086
    timeout 60 "$browser" $flags --user-data-dir="$work/p4" --enable-logging=stderr --v=0 \
        --dump-dom "file://$work/check.svg" > "$work/svg.out" 2> "$work/svg.log" || true
    if grep -E "CONSOLE|Uncaught" "$work/svg.log" >&2 || ! grep -q "SVGCHECK ok" "$work/svg.out"; then
        echo "html_check: FAIL: $(basename "$svg"): zoom did not work or the console reported errors" >&2
        exit 1
    fi
    echo "ok   $(basename "$svg"): well-formed, click zooms"
done

# 4. Optional screenshot, to look at.
if [ -n "$shot" ]; then
    # shellcheck disable=SC2086
    timeout 60 "$browser" $flags --user-data-dir="$work/p3" --screenshot="$shot" \
        "file://$(realpath "$report")" > /dev/null 2>&1 || true
    echo "screenshot: $shot"
fi
echo "html_check: PASS"
