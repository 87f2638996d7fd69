/// The page's only stylesheet, inlined: system fonts, no images, no
/// external resources. The page of `mailharness dmarc-reports` shares it.
pub(in crate::report) const CSS: &str = r#"
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #ffffff;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --mute-bg: #eff2f5; --accent: #0969da;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
header.top { background: #24292f; color: #fff; padding: 18px 28px 16px; }
header.top h1 { margin: 0 0 6px; font-size: 22px; font-weight: 600; letter-spacing: .2px; }
header.top .summary { margin: 0; font-size: 15px; }
header.top .legend { margin: 8px 0 0; color: #c9d1d9; font-size: 12.5px; max-width: 1100px; }
main { padding: 18px 28px 40px; }
h2 { font-size: 17px; margin: 0; }
section.overview, section.file { background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; padding: 14px 16px; margin: 0 0 18px; }
section.overview h2 { margin-bottom: 10px; }
.file-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.file-path { color: var(--muted); font-family: var(--mono); font-size: 12px; }
.desc { color: var(--muted); margin: 4px 0 0; }
.variants { display: grid; gap: 14px; margin-top: 12px; }
.variants.single > article { max-width: 1000px; }
article.variant { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
  min-width: 0; background: #fff; container-type: inline-size; }
article.variant.failed { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad) inset; }
article.variant h3 { margin: 0 0 8px; font-size: 15px; display: flex; gap: 8px; align-items: center; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px;
  font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #aceebb; }
.badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #ffcecb; }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #f5e0a0; }
.badge.muted { background: var(--mute-bg); color: var(--muted); border-color: var(--line); }
.badge.big { font-size: 13px; padding: 2px 11px; }
.pill-row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.relay { margin: 0 0 8px; padding: 5px 9px; border-radius: 6px; font-size: 12.5px;
  overflow-wrap: anywhere; }
.relay.ok { background: #f6fff8; border: 1px solid #c6efd0; }
.relay.bad { background: var(--bad-bg); border: 1px solid #ffcecb; color: #82071e; }
.msg { border-top: 1px dashed var(--line); padding-top: 8px; margin-top: 8px; }
.msg:first-of-type { border-top: 0; padding-top: 0; margin-top: 0; }
.msg-title { font-size: 12.5px; color: var(--muted); margin-bottom: 6px; overflow-wrap: anywhere; }
ol.route { list-style: none; margin: 0 0 10px; padding: 0; display: flex; align-items: stretch; }
ol.route li.hop { flex: 1 1 0; min-width: 0; border: 1px solid var(--line); border-radius: 7px;
  padding: 5px 7px; background: #fbfcfd; display: flex; flex-direction: column; }
ol.route li.hop.relay { background: #fff8eb; border-color: #f0d8a8; }
ol.route li.hop.forwarder, ol.route li.hop.mailing-list { background: #f5f0ff; border-color: #d8c8f5; }
ol.route li.hop.receiver { background: #eef6ff; border-color: #b6d4f5; }
.role { font-size: 10.5px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); }
.hop .name { font-weight: 600; font-size: 12.5px; overflow-wrap: anywhere; }
.hop .detail { font-size: 11px; color: var(--muted); overflow-wrap: anywhere; }
ol.route li.link { flex: 0 0 44px; display: flex; flex-direction: column; align-items: center;
  justify-content: center; font-size: 9.5px; color: var(--muted); text-align: center; }
ol.route li.link svg { width: 30px; height: 12px; }
.ids { display: grid; grid-template-columns: minmax(0, 1fr) 104px minmax(0, 1.35fr);
  row-gap: 6px; align-items: stretch; margin-bottom: 8px; }
.idbox { border: 1.5px solid var(--line); border-radius: 7px; padding: 5px 8px; min-width: 0;
  background: #fff; display: flex; flex-direction: column; justify-content: center; }
.idbox.from { background: #f3f8ff; border-color: #7fb0ea; grid-row: 1 / span var(--rows); }
.idbox .dom { font-family: var(--mono); font-size: 13px; font-weight: 600; overflow-wrap: anywhere; }
.idbox .sub { font-size: 11px; color: var(--muted); overflow-wrap: anywhere; }
.idbox.ok { border-color: #6fdd8b; }
.idbox.bad { border-color: #ff9492; }
.conn { position: relative; display: flex; align-items: center; padding: 0 2px; }
.conn::before { content: ""; flex: 1; border-top: 3px solid var(--c); }
.conn::after { content: ""; border-left: 8px solid var(--c); border-top: 6px solid transparent;
  border-bottom: 6px solid transparent; }
.conn.ok { --c: var(--ok); }
.conn.bad { --c: #e5534b; }
.conn.bad::before { border-top-style: dashed; }
.conn.muted { --c: #afb8c1; }
.conn.muted::before { border-top-style: dotted; }
.conn span { position: absolute; left: 0; right: 8px; top: 50%; transform: translateY(-50%);
  text-align: center; font-size: 10.5px; font-weight: 600; line-height: 1.1; }
.conn span b { background: #fff; padding: 1px 3px; border-radius: 4px; color: var(--c);
  white-space: nowrap; }
.verdicts { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0 6px; }
.verdicts .note { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 7px; border-bottom: 1px solid #e6eaef; }
th { font-size: 11.5px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted);
  font-weight: 600; background: #f6f8fa; }
table.overview td { font-size: 12.5px; }
table.overview td.dom { font-family: var(--mono); font-size: 12px; min-width: 13ch; }
table.overview td.dom:nth-child(2) { min-width: 26ch; }
table.overview td.name { min-width: 240px; }
table.overview td.receivers { min-width: 270px; }
.badge.small { font-size: 11px; padding: 0 7px; }
td.nowrap { white-space: nowrap; }
table.overview tr:hover td { background: #f6f8fa; }
table.overview .file-path { display: block; }
table.receivers { margin: 4px 0 8px; }
table.receivers td { font-size: 12px; overflow-wrap: anywhere; }
table.receivers td:first-child { white-space: nowrap; }
table.dns td { font-size: 11.5px; font-family: var(--mono); overflow-wrap: anywhere; word-break: break-all; }
table.dns td.q { white-space: nowrap; word-break: normal; }
details { margin: 6px 0 0; }
summary { cursor: pointer; color: var(--accent); font-size: 12.5px; }
pre.headers { white-space: pre-wrap; overflow-wrap: anywhere; font-family: var(--mono);
  font-size: 11.5px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px;
  padding: 8px; margin: 6px 0 0; max-height: 420px; overflow: auto; }
ul.failures { margin: 8px 0 0; padding: 6px 10px 6px 26px; background: var(--bad-bg);
  border: 1px solid #ffcecb; border-radius: 6px; color: #82071e; font-size: 12.5px; }
.empty { color: var(--muted); font-style: italic; font-size: 12.5px; }
/* Narrow columns (variants side by side): the route runs downwards, the
   header From sits above the identifiers. */
@container (max-width: 560px) {
  ol.route { flex-direction: column; }
  ol.route li.link { flex: 0 0 auto; flex-direction: row; gap: 6px; justify-content: flex-start;
    padding: 1px 0 1px 18px; }
  ol.route li.link svg { transform: rotate(90deg); width: 18px; height: 10px; }
  .ids { grid-template-columns: 88px minmax(0, 1fr); }
  .ids .idbox.from { grid-row: auto; grid-column: 1 / -1; }
}
"#;
