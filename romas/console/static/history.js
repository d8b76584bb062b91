// Every revisioned resource's history: who changed what and when, the two revisions a person picks shown side by
// side, and a restore that makes an old revision the current one (as a new revision).
import { h, htm, useState, useEffect, useRef, EditorView, EditorState, basicSetup, MergeView } from "./vendor/vendor.js";
import { api, can, embedded, problemText, when } from "./api.js";

/** A revision's time, short: the time of day (with the date when it is not today); the full instant on hover. */
export function short(iso) {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${time}`;
}

const html = htm.bind(h);
const PAGE = 50;
/** Fields that say nothing about what changed: links, timestamps, and an artefact type's operation list. */
const NOISE = new Set(["_links", "_embedded", "updated_at", "revision", "operations"]);

/** A representation as readable text, one field per line; long text (agent code, descriptions) as a block. */
export function asText(value, indent = "") {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") {
    if (!value.includes("\n")) return JSON.stringify(value);
    return "|\n" + value.replace(/\n$/, "").split("\n").map((line) => `${indent}  ${line}`).join("\n");
  }
  if (typeof value !== "object") return String(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [null, v, i]) : Object.keys(value).sort().filter((k) => !NOISE.has(k)).map((k) => [k, value[k]]);
  if (!entries.length) return Array.isArray(value) ? "[]" : "{}";
  const simple = entries.every(([, v]) => v === null || typeof v !== "object" || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0));
  if (Array.isArray(value) && simple && JSON.stringify(value).length < 70) return JSON.stringify(value);
  return "\n" + entries.map(([key, v]) => {
    const body = asText(v, indent + "  ");
    // A list item that is an object starts on the dash's line, YAML-like: "- agent: ada".
    if (key === null) return body.startsWith("\n") ? `${indent}- ${body.slice(1 + indent.length + 2)}` : `${indent}- ${body}`;
    return body.startsWith("\n") ? `${indent}${key}:${body}` : `${indent}${key}: ${body}`;
  }).join("\n");
}

/** Two texts side by side, the changed lines marked, long unchanged stretches folded. */
export function SideBySide({ left, right }) {
  const host = useRef(null);
  useEffect(() => {
    const common = [basicSetup, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.lineWrapping];
    const merge = new MergeView({ parent: host.current, a: { doc: left, extensions: common }, b: { doc: right, extensions: common }, collapseUnchanged: { margin: 3, minSize: 6 } });
    return () => merge.destroy();
  }, [left, right]);
  return html`<div class="merge" ref=${host}></div>`;
}

/**
 * The history panel of the resource at ``base`` (``/workspaces/bakery``, ``/organisations/shop/groups/team``...):
 * kept current from the event stream, two revisions compared, any revision restored with one click.
 */
export function History({ base, title = "History", useLive, onRestored, id = "history" }) {
  const [pick, setPick] = useState({ from: null, to: null });
  const [diff, setDiff] = useState(null);
  const [notice, setNotice] = useState(null);
  // The newest page follows the event stream; older pages are read when a person asks for them.
  const [latest, setLatest] = useState([]);
  const [olderPages, setOlderPages] = useState([]);
  const [older, setOlder] = useState(null);
  const olderLoaded = useRef(false);
  const load = async () => {
    const r = await api(`${base}/revisions?limit=${PAGE}`);
    if (!r.ok) return;
    setLatest(embedded(r.data));
    if (!olderLoaded.current) setOlder((r.data._links.next || {}).href || null);
  };
  async function showOlder() {
    const r = await api(older);
    if (!r.ok) return;
    olderLoaded.current = true;
    setOlderPages((pages) => [...pages, ...embedded(r.data)]);
    setOlder((r.data._links.next || {}).href || null);
  }
  const oldestLatest = latest.length ? latest[latest.length - 1].revision : Infinity;
  const revisions = [...latest, ...olderPages.filter((x) => x.revision < oldestLatest)];
  useLive(load, [base], (e) => e.stream === base);

  async function compare() {
    const [a, b] = [pick.from, pick.to].sort((x, y) => x - y);
    const [left, right] = await Promise.all([api(`${base}/revisions/${a}`), api(`${base}/revisions/${b}`)]);
    // A deletion is a revision too; it has no content to show.
    const text = (r, n) => (r.ok ? asText(r.data).trimStart() + "\n" : r.status === 410 ? `(revision ${n} deleted the resource)\n` : null);
    const [l, r] = [text(left, a), text(right, b)];
    if (l !== null && r !== null) setDiff({ from: a, to: b, left: l, right: r });
    else setNotice({ kind: "bad", text: problemText(l === null ? left : right) });
  }

  async function restore(revision) {
    const r = await api(`${base}/revisions/${revision}/restore`, { method: "POST" });
    if (r.ok) {
      const made = r.data && r.data.revision;
      setNotice({ kind: "ok", text: made ? `Restored revision ${revision}: it is now revision ${made}.` : `Restored revision ${revision}.` });
      // The event stream will say so too; a person who just clicked should not have to wait for it.
      load();
      if (onRestored) onRestored(r.data);
    } else setNotice({ kind: "bad", text: problemText(r) });
  }

  // Picking two revisions is the common case; start with the newest two so "Compare" works at once.
  useEffect(() => {
    if (revisions.length >= 2 && pick.from === null && pick.to === null) setPick({ from: revisions[1].revision, to: revisions[0].revision });
  }, [latest]);

  return html`<section class="panel history" id=${id}>
    <div class="row spread"><h2>${title} <span class="muted">(${older ? `newest ${revisions.length} shown` : `${revisions.length} revision${revisions.length === 1 ? "" : "s"}`})</span></h2>
      <button class="compare" disabled=${!pick.from || !pick.to || pick.from === pick.to} onClick=${compare}>Compare ${pick.from || "…"} ↔ ${pick.to || "…"}</button></div>
    ${notice && html`<div class="notice ${notice.kind} history-notice">${notice.text}</div>`}
    <div class="scroll history-table"><table>
      <tr><th title="compare from">From</th><th title="compare to">To</th><th>Rev.</th><th>When</th><th>Who</th><th>What changed</th><th></th></tr>
      ${revisions.map((r) => html`
        <tr data-revision=${r.revision}>
          <td><input type="radio" name="${id}-from" class="from" checked=${pick.from === r.revision} onChange=${() => setPick({ ...pick, from: r.revision })} /></td>
          <td><input type="radio" name="${id}-to" class="to" checked=${pick.to === r.revision} onChange=${() => setPick({ ...pick, to: r.revision })} /></td>
          <td>${r.revision}</td><td class="muted nowrap" title=${when(r.recorded_at)}>${short(r.recorded_at)}</td><td>${r.actor}</td>
          <td>${r.summary}${r.changed && r.changed.length ? html`<div class="muted">${r.changed.join(", ")}</div>` : ""}</td>
          <td>${can("write") && !r.deleted && (r.revision !== (revisions[0] || {}).revision) && html`<button class="restore" title="make this revision the current state again (a new revision)" onClick=${() => restore(r.revision)}>Restore</button>`}</td>
        </tr>`)}
    </table>
    ${older && html`<button class="older" onClick=${showOlder}>Show older revisions</button>`}</div>
    ${diff && html`<div class="diff" style="margin-top:12px"><div class="row spread"><h3>Revision ${diff.from} (left) and revision ${diff.to} (right)</h3>
      <button onClick=${() => setDiff(null)}>Close</button></div><${SideBySide} left=${diff.left} right=${diff.right} /></div>`}
  </section>`;
}
