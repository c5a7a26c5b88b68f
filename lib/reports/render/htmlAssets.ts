/**
 * The inline script and style of the HTML report. The page loads nothing (its
 * Content-Security-Policy allows only this script, by hash), so both live here as text.
 */

/**
 * Sortable and filterable tables. A header click sorts (numbers by `data-sort`, the rest as
 * text); the search box above a table hides the rows that lack any of the typed words and
 * says how many are shown. Rows are moved, never rebuilt, so 5,000 rows stay responsive.
 */
export const PAGE_SCRIPT = `
(function () {
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var v = cell.getAttribute('data-sort');
    return v === null ? cell.textContent : v;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.querySelectorAll('thead th');
    headers.forEach(function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var keyed = Array.prototype.map.call(body.rows, function (row) {
          var v = cellValue(row, index), n = parseFloat(v);
          return { row: row, text: v, num: isNaN(n) || String(n) !== v.trim() ? null : n };
        });
        keyed.sort(function (a, b) {
          var cmp = a.num !== null && b.num !== null ? a.num - b.num : a.text.localeCompare(b.text);
          return ascending ? cmp : -cmp;
        });
        var fragment = document.createDocumentFragment();
        keyed.forEach(function (k) { fragment.appendChild(k.row); });
        body.appendChild(fragment);
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
    });
  });
  document.querySelectorAll('input[data-filter]').forEach(function (input) {
    var table = document.getElementById(input.getAttribute('data-filter'));
    var count = document.getElementById(input.getAttribute('data-count'));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    function apply() {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = shown + ' of ' + rows.length + ' shown';
    }
    input.addEventListener('input', apply);
    apply();
  });
})();
`;

export const PAGE_STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:1500px;overflow-wrap:anywhere}
@media (max-width:600px){body{margin:.75rem}}
.scroll{overflow-x:auto;max-width:100%}
#toc ol{columns:16rem;margin:.3rem 0}#toc h2{margin-top:1rem}
figure{margin:.5rem 0}.legend{margin-right:.8rem;white-space:nowrap}
.chart-row{display:grid;grid-template-columns:minmax(0,22rem) minmax(4rem,1fr) auto;gap:.6rem;align-items:center;margin:.15rem 0}
@media (max-width:600px){.chart-row{grid-template-columns:minmax(0,1fr) auto}.chart-label{grid-column:1/-1}}
.chart-bar{width:100%;height:14px;display:block}.chart-count{font-size:12px;color:#57606a}
a.doc{white-space:normal;font-size:12px}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}h3{margin:.2rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
table.sortable th{background:#f6f8fa;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}
td.num{text-align:right;white-space:nowrap}td.name{overflow-wrap:anywhere}
.sev-critical{color:#fff;background:#a40e26}.sev-high{background:#ffcecb}.sev-medium{background:#fff1b8}
.sev-low{background:#ddf4ff}.sev-info{background:#f6f8fa}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}.skipped{color:#6e7781}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f6f8fa;padding:.5rem;overflow:auto}
details{margin:.3rem 0}summary{cursor:pointer}.muted{color:#6e7781}
.filter{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.4rem 0}.filter input{width:24rem;max-width:100%;padding:.25rem}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .8rem;margin:.5rem 0}
.bar{position:relative;background:#d0d7de;height:14px;min-width:8rem}
.bar>span{position:absolute;left:0;top:0;bottom:0;background:#1a7f37}
.bar.unknown{background:repeating-linear-gradient(45deg,#eaeef2,#eaeef2 4px,#f6f8fa 4px,#f6f8fa 8px)}
.bar-label{font-size:11px;color:#57606a;white-space:nowrap}
.role{border:1px solid #d0d7de;padding:.2rem .6rem;margin:.3rem 0}
.diff-add{color:#1a7f37}.diff-del{color:#cf222e}
.label{display:inline-block;background:#ddf4ff;color:#0550ae;border:1px solid #54aeff;border-radius:1em;padding:0 .5em;font-size:11px;margin-left:.3em;white-space:nowrap}
`;
