// The pages of workspaces, artefacts, groups and schemes: their current state kept live, what a person can do to
// them (an artefact's operations with their parameters), and their history.
import { h, htm, useState, useRef } from "./vendor/vendor.js";
import { api, can, embedded, problemText, when, ago } from "./api.js";
import { useLive } from "./live.js";
import { Badge, Crumbs, Props } from "./parts.js";
import { History } from "./history.js";
import { GoalTree, rootOf } from "./organisation.js";

const html = htm.bind(h);
const enc = encodeURIComponent;

function Missing({ result, what }) {
  if (result.status === 410) return html`<div class="notice warn">${what} was deleted; its history stays readable below.</div>`;
  return html`<div class="notice bad">${problemText(result)}</div>`;
}

// ---------------------------------------------------------------- workspaces

export function WorkspaceView({ ws }) {
  const base = `/workspaces/${enc(ws)}`;
  const [workspace, setWorkspace] = useState(null);
  const [artefacts, setArtefacts] = useState([]);
  const load = async () => {
    const [w, a] = await Promise.all([api(base), api(`${base}/artefacts?limit=200`)]);
    setWorkspace(w);
    if (a.ok) setArtefacts(embedded(a.data));
  };
  useLive(load, [ws], (e) => e.stream === base || e.stream.startsWith(`${base}/artefacts/`));
  if (!workspace) return html`<p class="loading">Reading the workspace…</p>`;
  return html`<${Crumbs} items=${[["#/", "the MAS"], [null, `workspace ${ws}`]]} />
    <h1>Workspace <span class="mono">${ws}</span> ${workspace.ok && html`<span class="muted rev">revision ${workspace.data.revision}</span>`}</h1>
    ${workspace.ok ? html`<p class="lead">${workspace.data.description || html`<span class="muted">no description</span>`}</p>` : html`<${Missing} result=${workspace} what="This workspace" />`}
    <div class="cols-even">
      <section class="panel" id="artefacts"><h2>Artefacts</h2><table>
        <tr><th>Artefact</th><th>Type</th><th>Properties</th></tr>
        ${artefacts.map((art) => html`<tr data-artefact=${art.name}>
          <td><a href="#/workspaces/${enc(ws)}/artefacts/${enc(art.name)}">${art.name}</a><div class="muted">revision ${art.revision}</div></td>
          <td>${art.type}</td><td><${Props} values=${art.properties} /></td></tr>`)}
        ${artefacts.length === 0 && html`<tr><td class="muted" colspan="3">no artefact</td></tr>`}
      </table></section>
      <${History} base=${base} title="Workspace history" useLive=${useLive} onRestored=${load} />
    </div>`;
}

// ---------------------------------------------------------------- artefacts

/** A typed value from what a person typed: numbers and booleans by the parameter's schema, JSON for the rest. */
function parseArg(text, param) {
  const type = (param.schema && param.schema.type) || param.type;
  const raw = text.trim();
  if (type === "integer") {
    if (!/^-?\d+$/.test(raw)) throw new Error(`${param.name} must be a whole number`);
    return Number(raw);
  }
  if (type === "number") {
    if (raw === "" || Number.isNaN(Number(raw))) throw new Error(`${param.name} must be a number`);
    return Number(raw);
  }
  if (type === "boolean") return raw === "true";
  if (type === "string") return text;
  if (raw === "" && !param.required) return null;
  try { return JSON.parse(raw); } catch { return text; }
}

function OperationForm({ op, onDone }) {
  const params = op.params || [];
  const [values, setValues] = useState(() => params.map((p) => (((p.schema && p.schema.type) || p.type) === "boolean" ? "false" : "")));
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  async function run(event) {
    event.preventDefault();
    let args;
    try { args = params.map((p, i) => parseArg(values[i], p)); } catch (error) { setResult({ problem: error.message }); return; }
    while (args.length && args[args.length - 1] === null && !params[args.length - 1].required) args.pop();
    setBusy(true);
    setResult(null);
    const href = (op._links && op._links.invoke && op._links.invoke.href) || "";
    const r = await api(href, { method: "POST", body: { args }, headers: { Prefer: "wait=10" } });
    setBusy(false);
    setResult(r.ok ? { invocation: r.data } : { problem: problemText(r), errors: r.data && r.data.errors });
    if (onDone) onDone();
  }
  const inv = result && result.invocation;
  return html`<form class="operation" data-operation=${op.name} onSubmit=${run}>
    <div class="row"><code class="sig">${op.signature || op.name}</code><span class="muted">${op.description || ""}</span></div>
    <div class="row">
    ${params.length > 0 && html`<div class="row params">${params.map((p, i) => {
      const type = (p.schema && p.schema.type) || p.type || "any";
      const set = (e) => { const next = [...values]; next[i] = e.target.value; setValues(next); };
      return html`<label>${p.name}${p.required ? "" : " (optional)"} <span class="muted">${type}</span>
        ${type === "boolean" ? html`<select name=${p.name} value=${values[i]} onChange=${set}><option>false</option><option>true</option></select>`
          : html`<input name=${p.name} type=${type === "integer" || type === "number" ? "number" : "text"} step=${type === "number" ? "any" : "1"}
            placeholder=${type === "string" ? "text" : type === "integer" || type === "number" ? "0" : "JSON, or plain text"} value=${values[i]} onInput=${set} />`}</label>`;
    })}</div>`}
    <button class="primary run" type="submit" disabled=${busy}>${busy ? "Running…" : `Run ${op.name}`}</button>
      ${result && html`<div class="result">${inv ? html`<${Badge} text=${inv.status} />
        ${inv.status === "succeeded" && "result" in inv && inv.result !== null ? html` result <code class="value">${JSON.stringify(inv.result)}</code>` : ""}
        ${inv.error ? html` <span class="bad-text">${problemText({ data: inv.error })}</span>` : ""}
        ${inv.artefact_revision ? html` <span class="muted">→ artefact revision ${inv.artefact_revision}</span>` : ""}`
        : html`<span class="bad-text">refused: ${result.problem}</span>`}</div>`}
    </div>
  </form>`;
}

export function ArtefactView({ ws, art }) {
  const base = `/workspaces/${enc(ws)}/artefacts/${enc(art)}`;
  const [artefact, setArtefact] = useState(null);
  const [previous, setPrevious] = useState(null);
  const last = useRef(null);
  const [invocations, setInvocations] = useState([]);
  const load = async () => {
    const [a, i] = await Promise.all([api(base), api(`${base}/invocations?limit=20`)]);
    setPrevious(last.current);
    last.current = a.ok ? a.data.properties : null;
    setArtefact(a);
    if (i.ok) setInvocations(embedded(i.data));
  };
  useLive(load, [ws, art], (e) => e.stream === base || e.stream.startsWith(`${base}/`));
  if (!artefact) return html`<p class="loading">Reading the artefact…</p>`;
  const data = artefact.ok ? artefact.data : null;
  return html`<${Crumbs} items=${[["#/", "the MAS"], [`#/workspaces/${enc(ws)}`, `workspace ${ws}`], [null, `artefact ${art}`]]} />
    <h1>Artefact <span class="mono">${art}</span> ${data && html`<span class="badge">${data.type}</span> <span class="muted rev">revision ${data.revision}</span>`}</h1>
    ${data ? html`<p class="lead">${data.description || ""}</p>` : html`<${Missing} result=${artefact} what="This artefact" />`}
    <div class="cols-even">
      <div class="stack">
        ${data && html`<section class="panel" id="properties"><h2>Observable properties <span class="muted">(live)</span></h2>
          <${Props} values=${data.properties} previous=${previous} />
          <div class="muted" style="margin-top:8px">observed by ${(data.observers || []).length ? data.observers.map((o) => html`<a class="badge" href="#/agents/${enc(o)}">${o}</a>`) : "no agent"} · changed ${ago(data.updated_at)}</div></section>`}
        ${data && html`<section class="panel" id="operations"><h2>Operations</h2>
          ${!can("operate") ? html`<p class="muted">Your token may not run operations (it needs the operate scope).</p>` : ""}
          ${(data.operations || []).map((op) => can("operate")
            ? html`<${OperationForm} op=${op} key=${op.name} onDone=${load} />`
            : html`<div class="operation"><code class="sig">${op.signature || op.name}</code> <span class="muted">${op.description || ""}</span></div>`)}
        </section>`}
        <section class="panel" id="invocations"><h2>Recent invocations</h2><div class="scroll"><table>
          <tr><th>Status</th><th>Operation</th><th>By</th><th>Outcome</th><th>When</th></tr>
          ${invocations.map((i) => html`<tr data-invocation=${i.id}><td><${Badge} text=${i.status} /></td>
            <td class="mono">${i.operation}(${(i.args || []).map((a) => JSON.stringify(a)).join(", ")})</td>
            <td>${i.invoker} <span class="muted">${i.origin === "rest" ? "(HTTP)" : i.origin ? `(${i.origin})` : ""}</span></td>
            <td class="mono">${i.error ? html`<span class="bad-text">${problemText({ data: i.error })}</span>` : "result" in i && i.result !== null ? JSON.stringify(i.result) : ""}</td>
            <td class="muted nowrap">${ago(i.accepted_at)}</td></tr>`)}
          ${invocations.length === 0 && html`<tr><td class="muted" colspan="5">none yet</td></tr>`}
        </table></div></section>
      </div>
      <${History} base=${base} title="Artefact history" useLive=${useLive} onRestored=${load} />
    </div>`;
}

// ---------------------------------------------------------------- groups and schemes

export function GroupView({ org, name }) {
  const base = `/organisations/${enc(org)}/groups/${enc(name)}`;
  const [group, setGroup] = useState(null);
  const load = async () => setGroup(await api(base));
  useLive(load, [org, name], (e) => e.stream === base);
  if (!group) return html`<p class="loading">Reading the group…</p>`;
  const g = group.ok ? group.data : null;
  return html`<${Crumbs} items=${[["#/", "the MAS"], [`#/organisations/${enc(org)}`, `organisation ${org}`], [null, `group ${name}`]]} />
    <h1>Group <span class="mono">${name}</span> ${g && html`<span class="badge">${g.type}</span> <span class="muted rev">revision ${g.revision}</span>`}</h1>
    ${g ? "" : html`<${Missing} result=${group} what="This group" />`}
    <div class="cols-even">
      ${g && html`<section class="panel" id="players"><h2>Players</h2>
        <p>${g.well_formed ? html`<span class="badge ok">well formed</span>` : html`<span class="badge bad">not well formed</span> ${(g.shortfalls || []).map((s) => html`<div class="muted">${typeof s === "string" ? s : JSON.stringify(s)}</div>`)}`}</p>
        <table><tr><th>Agent</th><th>Role</th><th>Since</th></tr>
          ${g.players.map((p) => html`<tr data-player=${p.agent}><td><a href="#/agents/${enc(p.agent)}">${p.agent}</a></td><td>${p.role}</td><td class="muted">${when(p.since)}</td></tr>`)}
          ${g.players.length === 0 && html`<tr><td class="muted" colspan="3">nobody plays a role here</td></tr>`}</table>
        ${(g.schemes || []).length > 0 && html`<h3>Responsible for</h3>${g.schemes.map((s) => html`<a class="badge" href="#/organisations/${enc(org)}/schemes/${enc(s)}">scheme ${s}</a>`)}`}
      </section>`}
      <${History} base=${base} title="Group history" useLive=${useLive} onRestored=${load} />
    </div>`;
}

export function SchemeView({ org, name }) {
  const base = `/organisations/${enc(org)}/schemes/${enc(name)}`;
  const [scheme, setScheme] = useState(null);
  const [spec, setSpec] = useState(null);
  const load = async () => {
    const [s, o] = await Promise.all([api(base), api(`/organisations/${enc(org)}`)]);
    setScheme(s);
    if (o.ok) setSpec(o.data);
  };
  useLive(load, [org, name], (e) => e.stream === base || e.stream === `/organisations/${org}`);
  if (!scheme) return html`<p class="loading">Reading the scheme…</p>`;
  const s = scheme.ok ? scheme.data : null;
  const def = s && spec && spec.schemes ? spec.schemes[s.type] : null;
  const states = {};
  if (s) for (const [goal, g] of Object.entries(s.goals || {})) states[goal] = g.state;
  return html`<${Crumbs} items=${[["#/", "the MAS"], [`#/organisations/${enc(org)}`, `organisation ${org}`], [null, `scheme ${name}`]]} />
    <h1>Scheme <span class="mono">${name}</span> ${s && html`<span class="badge">${s.type}</span> ${s.satisfied ? html`<span class="badge satisfied">satisfied</span>` : ""} <span class="muted rev">revision ${s.revision}</span>`}</h1>
    ${s ? html`<p class="lead">run by group <a href="#/organisations/${enc(org)}/groups/${enc(s.group)}">${s.group}</a></p>` : html`<${Missing} result=${scheme} what="This scheme" />`}
    <div class="cols-even">
      ${s && html`<div class="stack"><section class="panel" id="goals"><h2>Goals</h2>
          ${def ? html`<${GoalTree} goals=${def.goals} root=${rootOf(def.goals)} states=${states} />` : ""}
          <table style="margin-top:8px"><tr><th>Goal</th><th>State</th><th>Achieved by</th><th>Satisfied</th></tr>
            ${Object.entries(s.goals || {}).map(([goal, g]) => html`<tr><td>${goal}</td><td><${Badge} text=${g.state} /></td><td>${g.achieved_by || ""}</td><td class="muted">${g.satisfied_at ? when(g.satisfied_at) : ""}</td></tr>`)}</table>
        </section>
        <section class="panel" id="commitments"><h2>Commitments</h2><table>
          ${(s.commitments || []).map((c) => html`<tr><td><a href="#/agents/${enc(c.agent)}">${c.agent}</a></td><td>${c.mission}</td><td class="muted">${when(c.since)}</td></tr>`)}
          ${(s.commitments || []).length === 0 && html`<tr><td class="muted">no agent committed yet</td></tr>`}</table></section></div>`}
      <${History} base=${base} title="Scheme history" useLive=${useLive} onRestored=${load} />
    </div>`;
}
