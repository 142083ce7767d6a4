/**
 * The studio's one HTML page: a shell, its styles, and the client module. It holds no data
 * and no secret: the client reads the session token from the link the terminal printed.
 */
export function studioPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fluentorm studio</title>
<link rel="icon" href="data:,">
<style>${STYLES}</style>
</head>
<body>
<header class="bar">
  <strong class="brand">fluentorm studio</strong>
  <nav class="tabs" role="tablist">
    <button role="tab" data-tab="schema">Schema</button>
    <button role="tab" data-tab="data">Data</button>
    <button role="tab" data-tab="migrations">Migrations</button>
    <button role="tab" data-tab="queries">Queries</button>
  </nav>
  <span class="live" id="live" title="Live updates from the dev server">●</span>
</header>
<div id="notice" class="notice" hidden></div>
<main id="view"></main>
<script type="module" src="/__fluentorm/client/main.ts"></script>
</body>
</html>
`
}

/** What the page may load: its own scripts and API, Vite's HMR socket; nothing inline but styles. */
export const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const STYLES = `
:root { --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --bg: #f7f8fa; --panel: #fff; --accent: #3559e0;
  --bad: #c4320a; --badbg: #fef3f2; --warn: #b54708; --warnbg: #fffaeb; --good: #067647;
  font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; height: 100vh; display: flex; flex-direction: column; }
code, pre, .mono, .er text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { white-space: pre-wrap; margin: 0; }
.bar { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-size: 15px; }
.tabs { display: flex; gap: 4px; }
.tabs button { border: 0; background: none; padding: 6px 12px; border-radius: 6px; cursor: pointer; font: inherit; color: var(--muted); }
.tabs button[aria-selected=true] { background: #eef2ff; color: var(--accent); font-weight: 600; }
.live { margin-left: auto; color: var(--line); }
.live.on { color: var(--good); }
.notice { padding: 8px 16px; background: var(--badbg); color: var(--bad); border-bottom: 1px solid var(--line); }
main { flex: 1; min-height: 0; display: flex; }
.pane { flex: 1; min-width: 0; overflow: auto; padding: 16px; }
.side { width: 340px; border-left: 1px solid var(--line); background: var(--panel); overflow: auto; padding: 12px 16px; }
.toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 12px; }
button, select, input, textarea { font: inherit; }
button { border: 1px solid var(--line); background: var(--panel); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
button:disabled { opacity: .5; cursor: default; }
input, select, textarea { border: 1px solid var(--line); border-radius: 6px; padding: 4px 6px; background: #fff; }
table.grid { border-collapse: collapse; background: var(--panel); font-size: 13px; }
table.grid th, table.grid td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; max-width: 320px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.grid th { background: #f2f4f7; position: sticky; top: 0; }
table.grid th button.sort { border: 0; background: none; padding: 0; font-weight: 600; }
td.null { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #eef2ff; color: var(--accent); margin-left: 4px; }
.badge.bad { background: var(--badbg); color: var(--bad); }
.badge.warn { background: var(--warnbg); color: var(--warn); }
.problem { background: var(--badbg); border: 1px solid #fecdca; color: var(--bad); border-radius: 6px; padding: 6px 10px; margin: 0 0 8px; }
.finding.warning { color: var(--warn); } .finding.error { color: var(--bad); }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.card h3 { margin: 0 0 8px; font-size: 15px; }
.diagram { flex: 1; min-width: 0; position: relative; overflow: hidden; background: #fbfcfe;
  background-image: radial-gradient(#e4e7ec 1px, transparent 1px); background-size: 16px 16px; }
.diagram svg { width: 100%; height: 100%; cursor: grab; user-select: none; }
.diagram svg.panning { cursor: grabbing; }
.zoom { position: absolute; right: 12px; bottom: 12px; display: flex; gap: 4px; }
.er .box { fill: #fff; stroke: #98a2b3; }
.er .head { fill: #eef2ff; }
.er g.table.bad .box { stroke: var(--bad); stroke-width: 2; }
.er g.table.selected .box { stroke: var(--accent); stroke-width: 2; }
.er .title { font-weight: 700; font-size: 13px; fill: var(--fg); }
.er .type { fill: var(--muted); }
.er .key { fill: #b54708; font-weight: 700; }
.er .fk { fill: var(--accent); }
.er .badrow { fill: var(--badbg); }
.er path.edge { fill: none; stroke: #7a8aa6; stroke-width: 1.2; }
.er path.edge.hot { stroke: var(--accent); stroke-width: 2.2; }
.er g.table { cursor: pointer; }
.columns-list { width: 100%; border-collapse: collapse; }
.columns-list td { padding: 2px 4px; border-bottom: 1px solid #eaecf0; }
.form-grid { display: grid; grid-template-columns: max-content 1fr; gap: 6px 10px; align-items: center; }
.form-grid label { font-family: ui-monospace, monospace; font-size: 12px; }
.switch { display: inline-flex; gap: 6px; align-items: center; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); }
.switch.on { border-color: var(--bad); color: var(--bad); background: var(--badbg); }
.request { margin-bottom: 12px; }
.request h4 { margin: 0 0 4px; font-size: 13px; }
.query { display: grid; grid-template-columns: 70px 60px 1fr auto; gap: 8px; padding: 4px 8px; border-top: 1px solid #eaecf0; align-items: start; }
.query.slow .ms { color: var(--warn); font-weight: 600; }
.query.failed { background: var(--badbg); }
.query.repeated { border-left: 3px solid var(--warn); }
.query .sql { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-word; max-height: 4.2em; overflow: hidden; cursor: pointer; }
.query .sql.open { max-height: none; }
.plan { background: #101828; color: #e4e7ec; padding: 10px; border-radius: 6px; margin-top: 8px; overflow: auto; }
a { color: var(--accent); }
`
