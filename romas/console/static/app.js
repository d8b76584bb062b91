// The romas console: every view is built from the public API, kept current by the event stream.
import { h, render, htm, useState, useEffect, useRef, EditorView, EditorState, basicSetup, setDiagnostics, lintGutter, MergeView } from "./vendor/vendor.js";
import { api, auth, can, embedded, followEvents, problemText, setToken, when, ago } from "./api.js";
import { agentspeak, aslColours } from "./asl.js";
import { OrganisationView } from "./organisation.js";
import { listeners, useLive, usePoll } from "./live.js";
import { Badge, Crumbs, Props } from "./parts.js";
import { History, short } from "./history.js";
import { WorkspaceView, ArtefactView, GroupView, SchemeView } from "./resources.js";

const html = htm.bind(h);
// CodeMirror's EditContext input path is young in Chromium; the classic contenteditable one is well trodden.
EditorView.EDIT_CONTEXT = false;
let connected = false;

// ---------------------------------------------------------------- the MAS now

function Overview() {
  const [view, setView] = useState(null);
  const [inboxes, setInboxes] = useState({});
  const [obligations, setObligations] = useState({});
  const previous = useRef({});
  const [lastProps, setLastProps] = useState({});
  useLive(async () => {
    const result = await api("/overview");
    if (!result.ok) return;
    const props = {};
    for (const ws of result.data.workspaces) for (const art of ws.artefacts) props[`${ws.name}/${art.name}`] = art.properties;
    setLastProps(previous.current);
    previous.current = props;
    setView(result.data);
    const counts = {};
    await Promise.all(result.data.agents.map(async (agent) => {
      const inbox = await api(`/agents/${agent.name}/inbox?limit=500`);
      const byStatus = {};
      let last = agent.updated_at;
      for (const m of embedded(inbox.data)) {
        byStatus[m.status] = (byStatus[m.status] || 0) + 1;
        if (m.accepted_at > last) last = m.accepted_at;
      }
      counts[agent.name] = { byStatus, last };
    }));
    setInboxes(counts);
    const duties = {};
    await Promise.all(result.data.organisations.map(async (org) => {
      duties[org.name] = embedded((await api(`/organisations/${org.name}/obligations`)).data);
    }));
    setObligations(duties);
  }, []);
  if (!view) return html`<p class="loading">Reading the MAS…</p>`;
  return html`
    <h1>The MAS, live</h1>
    <div class="grid overview">
      <section class="panel" id="agents">
        <h2>Agents</h2>
        <table>
          <tr><th>Agent</th><th>State</th><th>Code</th><th>Inbox</th><th>Last activity</th></tr>
          ${view.agents.map((agent) => html`
            <tr data-agent=${agent.name}>
              <td><a href="#/agents/${agent.name}">${agent.name}</a><div class="muted desc" title=${agent.description}>${agent.description}</div></td>
              <td><${Badge} text=${agent.state} /></td>
              <td class="nowrap">revision ${agent.code_revision}</td>
              <td>${Object.keys((inboxes[agent.name] || {}).byStatus || {}).length ? Object.entries(inboxes[agent.name].byStatus).map(([s, n]) => html`<span class="badge ${s}">${n} ${s}</span>`) : html`<span class="muted">empty</span>`}</td>
              <td class="muted">${ago((inboxes[agent.name] || {}).last || agent.updated_at)}</td>
            </tr>`)}
        </table>
      </section>
      <section class="panel" id="workspaces">
        <h2>Workspaces and artefacts</h2>
        ${view.workspaces.map((ws) => html`
          <h3><a href="#/workspaces/${ws.name}">${ws.name}</a></h3>
          <table>
            <tr><th>Artefact</th><th>Type</th><th>Properties</th></tr>
            ${ws.artefacts.map((art) => html`
              <tr data-artefact=${art.name}>
                <td><a href="#/workspaces/${ws.name}/artefacts/${art.name}">${art.name}</a><div class="muted">revision ${art.revision}</div></td>
                <td>${art.type}</td>
                <td><${Props} values=${art.properties} previous=${lastProps[`${ws.name}/${art.name}`]} /></td>
              </tr>`)}
          </table>`)}
      </section>
      <section class="panel" id="organisations">
        <h2>Organisations</h2>
        ${view.organisations.map((org) => html`
          <h3><a href="#/organisations/${org.name}">${org.name}</a></h3>
          ${org.groups.map((g) => html`<div>group <a href="#/organisations/${org.name}/groups/${g.name}"><b>${g.name}</b></a> (${g.type}): ${g.players.map((p) => html`<span class="badge">${p}</span>`)}</div>`)}
          ${org.schemes.map((s) => html`<div>scheme <a href="#/organisations/${org.name}/schemes/${s.name}"><b>${s.name}</b></a> (${s.type}): ${Object.entries(s.goals).map(([goal, state]) => html`<span class="badge ${state}">${goal}: ${state}</span>`)}</div>`)}
          <div>obligations: ${Object.entries(countBy(obligations[org.name] || [], "state")).map(([s, n]) => html`<span class="badge ${s}">${n} ${s}</span>`)}</div>`)}
      </section>
    </div>`;
}

function countBy(items, key) {
  const counts = {};
  for (const item of items) counts[item[key]] = (counts[item[key]] || 0) + 1;
  return counts;
}

// ---------------------------------------------------------------- one agent

/** The editor owns its text while a person types; ``generation`` changes when the text is loaded from the server. */
function CodeEditor({ code, generation, onChange, diagnostics }) {
  const host = useRef(null);
  const view = useRef(null);
  useEffect(() => {
    view.current = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: code,
        extensions: [basicSetup, agentspeak, aslColours, lintGutter(),
          EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc.toString()); })],
      }),
    });
    window.romasEditor = view.current;
    return () => view.current.destroy();
  }, []);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== code) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: code } });
  }, [generation]);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const doc = v.state.doc;
    const marks = diagnostics.map((d) => {
      const line = doc.line(Math.min(Math.max(d.line || 1, 1), doc.lines));
      const from = Math.min(line.from + Math.max((d.column || 1) - 1, 0), line.to);
      return { from, to: Math.min(from + 1, line.to) > from ? Math.min(from + 1, line.to) : from, severity: "error", message: d.message };
    });
    v.dispatch(setDiagnostics(v.state, marks));
  }, [diagnostics]);
  return html`<div class="editor" ref=${host}></div>`;
}

function AgentView({ name }) {
  const [saved, setSaved] = useState({ code: "", etag: null });
  const [draft, setDraft] = useState(null);
  const [generation, setGeneration] = useState(0);
  const [diagnostics, setDiagnostics] = useState([]);
  const [notice, setNotice] = useState(null);
  const [revisions, setRevisions] = useState([]);
  const [agent, setAgent] = useState(null);
  const [pick, setPick] = useState({ from: null, to: null });
  const [diff, setDiff] = useState(null);

  const draftRef = useRef(null);
  const savedRef = useRef({ code: "", etag: null });
  function edit(text) { draftRef.current = text; setDraft(text); }

  /** Take the server's code into the editor, unless a person is editing (then a save must meet a 412). */
  async function loadCode(force) {
    const result = await api(`/agents/${name}/code`, { text: true });
    if (!result.ok) return;
    const fresh = { code: result.data, etag: result.headers.get("ETag") };
    const dirty = draftRef.current !== null && draftRef.current !== savedRef.current.code;
    if (force || !dirty) {
      savedRef.current = fresh;
      setSaved(fresh);
      edit(fresh.code);
      setGeneration((g) => g + 1);
    } else if (fresh.code !== savedRef.current.code) {
      setNotice({ kind: "warn", conflict: true, text: "Someone else saved this agent's code while you were editing it. Your text is kept; load theirs to start again from it." });
    }
  }
  useEffect(() => { setDiff(null); setNotice(null); loadCode(true); }, [name]);
  useLive(async () => {
    const [a, revs] = await Promise.all([api(`/agents/${name}`), api(`/agents/${name}/code/revisions?limit=100`)]);
    if (a.ok) setAgent(a.data);
    if (revs.ok) setRevisions(embedded(revs.data));
    loadCode(false);
  }, [name], (e) => e.stream === `/agents/${name}`);

  // The server's own parser checks the draft as it is typed, before anything is saved.
  useEffect(() => {
    if (draft === null) return;
    const timer = setTimeout(async () => {
      const result = await api(`/agents/${name}/code/validate`, { method: "POST", body: draft, headers: { "Content-Type": "text/x-asl; charset=utf-8" } });
      if (result.status === 422 && result.data && Array.isArray(result.data.errors)) setDiagnostics(result.data.errors);
      else if (result.ok) setDiagnostics([]);
    }, 350);
    return () => clearTimeout(timer);
  }, [draft, name]);

  async function save() {
    const headers = { "Content-Type": "text/x-asl; charset=utf-8" };
    if (saved.etag) headers["If-Match"] = saved.etag;
    const result = await api(`/agents/${name}/code`, { method: "PUT", body: draft, headers });
    if (result.ok) {
      savedRef.current = { code: draft, etag: `"${result.data.revision}"` };
      setNotice({ kind: "ok", text: `Saved: the agent now runs code revision ${result.data.code_revision ?? result.data.revision}.` });
      await loadCode(true);
    } else if (result.status === 412) {
      setNotice({ kind: "bad", conflict: true, text: "Someone else saved this agent's code after you opened it. Your text is still in the editor; load theirs to compare, then save again." });
    } else if (result.status === 422) {
      setDiagnostics(result.data.errors || []);
      setNotice({ kind: "bad", text: problemText(result) });
    } else setNotice({ kind: "bad", text: problemText(result) });
  }

  async function restore(revision) {
    const result = await api(`/agents/${name}/code/revisions/${revision}/restore`, { method: "POST" });
    setNotice(result.ok ? { kind: "ok", text: `Restored the code of revision ${revision} as a new revision.` } : { kind: "bad", text: problemText(result) });
    if (result.ok) await loadCode(true);
  }

  async function compare() {
    const [a, b] = [pick.from, pick.to].sort((x, y) => x - y);
    const [left, right] = await Promise.all([
      api(`/agents/${name}/code/revisions/${a}`, { text: true }),
      api(`/agents/${name}/code/revisions/${b}`, { text: true }),
    ]);
    if (left.ok && right.ok) setDiff({ from: a, to: b, left: left.data, right: right.data });
  }

  const dirty = draft !== null && draft !== saved.code;
  return html`
    <${Crumbs} items=${[["#/", "the MAS"], [null, `agent ${name}`]]} />
    <h1>Agent <span class="mono">${name}</span> ${agent && html`<${Badge} text=${agent.state} />`}</h1>
    ${agent && agent.description && html`<p class="lead">${agent.description}</p>`}
    ${agent && agent.stopped_reason && html`<div class="notice warn">stopped: ${agent.stopped_reason}</div>`}
    <div class="cols2">
      <div>
        <section class="panel" id="code">
          <div class="row spread"><h2>Code ${saved.etag ? html`<span class="muted" title="the revision this editor started from; saving sends it as If-Match">(from agent revision ${saved.etag.replaceAll('"', "")})</span>` : ""}</h2>
            <div class="row">
              ${dirty ? html`<span class="muted">unsaved changes</span>` : ""}
              ${can("write") && html`<button class="primary" id="save" disabled=${!dirty || diagnostics.length > 0} onClick=${save}>Save</button>`}
            </div></div>
          ${draft !== null && html`<${CodeEditor} code=${draft} generation=${generation} onChange=${edit} diagnostics=${diagnostics} />`}
          ${diagnostics.length > 0 && html`<ul class="diagnostics" id="diagnostics">${diagnostics.map((d) => html`<li>line ${d.line}, column ${d.column}: ${d.message}</li>`)}</ul>`}
          ${diagnostics.length === 0 && draft !== null && html`<div class="muted" id="diagnostics-ok">✓ the server parses this code</div>`}
          ${notice && html`<div class="notice ${notice.kind}" id="notice">${notice.text}
            ${notice.conflict && html` <button onClick=${() => { setNotice(null); loadCode(true); }}>Load theirs</button>`}</div>`}
        </section>
        <section class="panel" id="history" style="margin-top:16px">
          <div class="row spread"><h2>Code history</h2>
            <button id="compare" disabled=${!pick.from || !pick.to || pick.from === pick.to} onClick=${compare}>Compare ${pick.from || "…"} ↔ ${pick.to || "…"}</button></div>
          <table>
            <tr><th>From</th><th>To</th><th>Revision</th><th>When</th><th>Who</th><th>What</th><th></th></tr>
            ${revisions.map((r) => html`
              <tr data-revision=${r.revision}>
                <td><input type="radio" name="from" checked=${pick.from === r.revision} onChange=${() => setPick({ ...pick, from: r.revision })} /></td>
                <td><input type="radio" name="to" checked=${pick.to === r.revision} onChange=${() => setPick({ ...pick, to: r.revision })} /></td>
                <td>${r.revision}</td><td class="muted nowrap" title=${when(r.recorded_at)}>${short(r.recorded_at)}</td><td>${r.actor}</td><td>${r.summary}</td>
                <td>${can("write") && r.revision !== (revisions[0] || {}).revision && html`<button class="restore" title="make this code current again (a new revision)" onClick=${() => restore(r.revision)}>Restore</button>`}</td>
              </tr>`)}
          </table>
          ${diff && html`<${DiffView} ...${diff} />`}
        </section>
        <div style="margin-top:16px"><${History} base=${`/agents/${name}`} id="agent-history" title="Agent history (code, description, state, metadata)" useLive=${useLive} onRestored=${() => loadCode(true)} /></div>
      </div>
      <div>
        <${Mind} name=${name} />
        <${Log} name=${name} />
        <${Send} name=${name} />
        <${Traffic} name=${name} />
      </div>
    </div>`;
}

function DiffView({ from, to, left, right }) {
  const host = useRef(null);
  useEffect(() => {
    const common = [basicSetup, agentspeak, aslColours, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.lineWrapping];
    const merge = new MergeView({ parent: host.current, a: { doc: left, extensions: common }, b: { doc: right, extensions: common }, collapseUnchanged: { margin: 3, minSize: 6 } });
    return () => merge.destroy();
  }, [left, right]);
  return html`<div id="diff" style="margin-top:12px"><h3>Revision ${from} (left) and revision ${to} (right)</h3><div class="merge" ref=${host}></div></div>`;
}

function Mind({ name }) {
  const [mind, setMind] = useState(null);
  usePoll(async () => { const r = await api(`/agents/${name}/mind`); setMind(r.ok ? r.data : null); }, [name], 2000);
  if (!mind) return html`<section class="panel"><h2>Mind</h2><span class="muted">not running here</span></section>`;
  const text = (item) => item.text || item.term || item.source || JSON.stringify(item);
  return html`<section class="panel" id="mind"><h2>Mind <span class="muted">(code revision ${mind.code_revision})</span></h2>
    <h3>Beliefs</h3><div class="scroll mono">${mind.beliefs.length ? mind.beliefs.map((b) => html`<div>${text(b)}</div>`) : html`<span class="muted">none</span>`}</div>
    <h3>Goals</h3><div class="mono">${mind.goals.length ? mind.goals.map((g) => html`<div>${text(g)}</div>`) : html`<span class="muted">none</span>`}</div>
    <h3>Intentions</h3><div class="mono">${mind.intentions.length ? mind.intentions.map((i) => html`<div class="intention">
      <span class="badge">${i.state}</span> ${(i.stack || []).map((f, depth) => html`<div style="padding-left:${depth * 14}px">${f.trigger} <span class="muted">plan ${f.plan}${f.line ? `, line ${f.line}` : ""}</span></div>`)}</div>`) : html`<span class="muted">none</span>`}</div>
  </section>`;
}

function Log({ name }) {
  const [lines, setLines] = useState([]);
  const box = useRef(null);
  usePoll(async () => { const r = await api(`/agents/${name}/log`); if (r.ok) setLines(r.data.lines); }, [name], 1000);
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; }, [lines.length]);
  return html`<section class="panel" style="margin-top:16px"><h2>Log <span class="muted">(live)</span></h2>
    <div class="log" id="log" ref=${box}>${lines.map((l) => html`<div class=${l.kind === "print" ? "" : "note"}><span class="muted">${new Date(l.at).toLocaleTimeString()}</span> ${l.text}</div>`)}</div></section>`;
}

function Send({ name }) {
  const [kind, setKind] = useState("message");
  const [performative, setPerformative] = useState("tell");
  const [content, setContent] = useState("");
  const [result, setResult] = useState(null);
  if (!can("operate")) return null;
  async function send(event) {
    event.preventDefault();
    const path = kind === "message" ? `/agents/${name}/inbox` : `/agents/${name}/commands`;
    const body = kind === "message" ? { performative, content } : { body: content };
    setResult({ text: "sending…" });
    const r = await api(path, { method: "POST", body, headers: { Prefer: "wait=5" } });
    setResult(r.ok ? { ok: true, data: r.data } : { text: problemText(r) });
  }
  return html`<section class="panel" style="margin-top:16px" id="send"><h2>Send</h2>
    <form onSubmit=${send}>
      <div class="row">
        <select id="send-kind" value=${kind} onChange=${(e) => setKind(e.target.value)}><option value="message">a message</option><option value="command">a command</option></select>
        ${kind === "message" && html`<select id="performative" value=${performative} onChange=${(e) => setPerformative(e.target.value)}>
          ${["tell", "untell", "achieve", "unachieve", "askOne", "askAll", "tellHow", "untellHow", "askHow"].map((p) => html`<option>${p}</option>`)}</select>`}
      </div>
      <textarea id="content" rows="3" style="margin-top:8px" placeholder=${kind === "message" ? "content, e.g. hello(world)" : "a plan body, e.g. .print(hello)"} value=${content} onInput=${(e) => setContent(e.target.value)}></textarea>
      <div class="row" style="margin-top:8px"><button class="primary" id="send-button" type="submit">Send and wait</button></div>
    </form>
    ${result && html`<div class="notice ${result.ok && !result.data.error ? "ok" : "warn"}" id="send-result">${result.ok ? html`<${Outcome} data=${result.data} />` : result.text}</div>`}
  </section>`;
}

/** The final state of a message or a command: its status, the reply to an ask, a command's bindings and output. */
function Outcome({ data }) {
  const result = data.result || {};
  const bindings = Object.entries(result.bindings || {});
  const output = [].concat(result.output || []);
  return html`<div>status <${Badge} text=${data.status} />
    ${data.reply !== undefined && data.reply !== null ? html` reply <code>${typeof data.reply === "string" ? data.reply : JSON.stringify(data.reply)}</code>` : ""}
    ${bindings.length ? html` bindings <code>${bindings.map(([k, v]) => `${k} = ${v}`).join(", ")}</code>` : ""}
    ${data.error ? html` <span class="bad-text">${problemText({ data: data.error })}</span>` : ""}
    ${data.status === "accepted" || data.status === "queued" || data.status === "running" || data.status === "delivered" ? html` <span class="muted">(still going after the wait; it shows below when it ends)</span>` : ""}
    ${output.length ? html`<div class="muted" style="margin-top:4px">printed:</div><pre class="plain">${output.join("\n")}</pre>` : ""}</div>`;
}

function Traffic({ name }) {
  const [tab, setTab] = useState("inbox");
  const [items, setItems] = useState([]);
  const load = async () => { const r = await api(`/agents/${name}/${tab}?limit=50`); setItems(r.ok ? embedded(r.data) : []); };
  // Messages and commands sent over HTTP are events; what agents send each other is read again now and then.
  useLive(load, [name, tab], (e) => e.stream_type === "message" || e.stream.startsWith(`/agents/${name}/commands/`));
  usePoll(load, [name, tab], 5000);
  return html`<section class="panel" style="margin-top:16px" id="traffic"><div class="tabs">
      ${["inbox", "outbox", "commands"].map((t) => html`<button class=${t === tab ? "on" : ""} onClick=${() => setTab(t)}>${t}</button>`)}</div>
    <div class="scroll"><table>
      ${items.map((m) => html`<tr><td><${Badge} text=${m.status} /></td>
        <td class="mono">${tab === "commands" ? m.body : `${m.performative} ${m.content}`}</td>
        <td class="muted">${tab === "commands" ? m.actor : tab === "inbox" ? `from ${m.sender}` : `to ${m.agent}`}</td>
        <td class="muted">${ago(m.accepted_at || m.queued_at)}</td></tr>`)}
      ${items.length === 0 && html`<tr><td class="muted">nothing yet</td></tr>`}
    </table></div></section>`;
}

// ---------------------------------------------------------------- time travel

function Timeline() {
  const [events, setEvents] = useState([]);
  const [index, setIndex] = useState(null);
  const [past, setPast] = useState(null);
  useEffect(() => {
    (async () => {
      const all = [];
      let after = 0;
      for (;;) {
        const r = await api(`/events?after=${after}&limit=500`);
        if (!r.ok) break;
        const page = embedded(r.data);
        all.push(...page);
        if (page.length < 500) break;
        after = r.data.last_position;
      }
      setEvents((live) => [...all, ...live.filter((e) => !all.length || e.position > all[all.length - 1].position)]);
    })();
    // New events extend the timeline while the page is open.
    const listener = (event) => setEvents((all) => (all.length && event.position <= all[all.length - 1].position ? all : [...all, event]));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  // Until a person moves the slider, it stays at the newest event ("now"); the Now button goes back to that.
  const following = useRef(true);
  useEffect(() => { if (following.current && events.length) setIndex(events.length - 1); }, [events.length]);
  const moveTo = (i) => { following.current = i === events.length - 1; setIndex(Math.max(0, Math.min(i, events.length - 1))); };
  useEffect(() => {
    if (index === null || !events[index]) return;
    const at = events[index].recorded_at;
    const timer = setTimeout(async () => {
      const r = await api(`/overview?at=${encodeURIComponent(at)}`);
      if (!r.ok) return;
      const codes = {};
      await Promise.all(r.data.agents.map(async (a) => {
        const c = await api(`/agents/${a.name}/code?at=${encodeURIComponent(at)}`, { text: true });
        codes[a.name] = c.ok ? c.data : "";
      }));
      setPast({ at, index, view: r.data, codes });
    }, 200);
    return () => clearTimeout(timer);
  }, [index, events]);
  if (!events.length || index === null || !events[index]) return html`<p class="loading">Reading the event log…</p>`;
  const event = events[index];
  return html`<h1>Travel in time</h1>
    <section class="panel">
      <div class="timeline-head"><b>${when(event.recorded_at)}</b>
        <span class="muted">event ${event.position} of ${events[events.length - 1].position}: <code>${event.type}</code> on <code>${event.stream}</code> by ${event.metadata.actor || "?"}</span></div>
      <div class="row"><button title="one event earlier" onClick=${() => moveTo(index - 1)}>◀</button>
        <input class="slider" id="slider" type="range" min="0" max=${events.length - 1} value=${index} onInput=${(e) => moveTo(Number(e.target.value))} style="flex:1" />
        <button title="one event later" onClick=${() => moveTo(index + 1)}>▶</button>
        <button id="now" title="follow the newest event" disabled=${index === events.length - 1} onClick=${() => moveTo(events.length - 1)}>Now</button></div>
      <div class="row spread muted"><span>${when(events[0].recorded_at)}</span><span>${when(events[events.length - 1].recorded_at)}</span></div>
    </section>
    ${past && html`<div class="grid" style="margin-top:16px" id="past" data-index=${past.index}>
      <section class="panel"><h2>Agents then</h2>
        ${past.view.agents.map((a) => html`<h3>${a.name} <span class="badge ${a.state}">${a.state}</span> code revision ${a.code_revision}</h3>
          <pre class="plain code-then scroll" data-agent=${a.name}>${past.codes[a.name]}</pre>`)}
      </section>
      <section class="panel"><h2>Artefacts then</h2>
        ${past.view.workspaces.map((ws) => html`<h3>${ws.name}</h3><table>${ws.artefacts.map((art) => html`
          <tr data-artefact=${art.name}><td>${art.name}</td><td><${Props} values=${art.properties} /></td></tr>`)}</table>`)}
        <h2 style="margin-top:16px">Organisations then</h2>
        ${past.view.organisations.map((org) => html`<h3>${org.name}</h3>
          ${org.groups.map((g) => html`<div>${g.name}: ${g.players.map((p) => html`<span class="badge">${p}</span>`)}</div>`)}
          ${org.schemes.map((s) => html`<div>${s.name}: ${Object.entries(s.goals).map(([goal, state]) => html`<span class="badge ${state}">${goal}: ${state}</span>`)}</div>`)}`)}
      </section>
    </div>`}`;
}

// ---------------------------------------------------------------- deployments

function Deployments() {
  const [items, setItems] = useState([]);
  const [chosen, setChosen] = useState(null);
  const [plan, setPlan] = useState(null);
  const [notice, setNotice] = useState(null);
  async function load() { const r = await api("/deployments"); if (r.ok) setItems(embedded(r.data)); }
  useLive(load, [], (e) => e.stream_type === "deployment");
  async function open(id) { const r = await api(`/deployments/${id}`); if (r.ok) setChosen(r.data); setPlan(null); }
  async function dryRun(id) {
    const r = await api(`/deployments/${id}/rollback?dry_run=true`, { method: "POST" });
    if (r.ok) setPlan({ id, data: r.data }); else setNotice({ kind: "bad", text: problemText(r) });
  }
  async function confirm() {
    const r = await api(`/deployments/${plan.id}/rollback`, { method: "POST" });
    setPlan(null);
    setNotice(r.ok ? { kind: "ok", text: `Rolled back deployment ${plan.id}: deployment ${r.data.id ?? "(nothing to undo)"} recorded.` } : { kind: "bad", text: problemText(r) });
    await load();
  }
  return html`<h1>Deployments</h1>
    ${notice && html`<div class="notice ${notice.kind}" id="deploy-notice">${notice.text}</div>`}
    <div class="cols2"><section class="panel"><table>
      <tr><th>#</th><th>When</th><th>Who</th><th>Source</th><th>Changes</th><th></th></tr>
      ${items.map((d) => html`<tr data-deployment=${d.id}>
        <td><a href="javascript:void 0" onClick=${() => open(d.id)}>${d.id}</a></td><td class="muted">${when(d.recorded_at)}</td><td>${d.actor}</td>
        <td>${d.source ? html`<code>${(d.source.commit || "").slice(0, 10)}</code> ${d.source.branch || ""} ${d.source.author ? `· ${d.source.author}` : ""}<div class="muted">${d.source.message || ""}</div>` : html`<span class="muted">no source</span>`}
          ${d.rollback_of ? html`<div class="muted">rolls back ${d.rollback_of}</div>` : ""}${d.rolled_back_by ? html`<div class="muted">rolled back by ${d.rolled_back_by}</div>` : ""}</td>
        <td>${["create", "update", "delete"].map((k) => d.counts[k] ? html`<span class="badge">${d.counts[k]} ${k}</span>` : "")}</td>
        <td>${can("deploy") && !d.rolled_back_by && html`<button class="rollback" onClick=${() => dryRun(d.id)}>Roll back…</button>`}</td></tr>`)}
      ${items.length === 0 && html`<tr><td colspan="6" class="muted">no deployment yet (romas apply agent_specs/ makes one)</td></tr>`}
    </table></section>
    <section class="panel" id="deployment">${chosen ? html`<h2>Deployment ${chosen.id} <span class="muted">by ${chosen.actor}, ${when(chosen.recorded_at)}</span></h2>
      ${chosen.source ? html`<div class="provenance">${Object.entries(chosen.source).filter(([, v]) => v).map(([k, v]) => html`<div><span class="muted">${k}</span> <code>${typeof v === "string" ? v : JSON.stringify(v)}</code></div>`)}</div>` : ""}
      <h3>What it changed</h3><${Plan} entries=${chosen.plan} />` : html`<span class="muted">Choose a deployment (its number) to see its provenance and what it changed.</span>`}</section></div>
    ${plan && html`<div class="modal"><div class="panel" id="rollback-plan"><h2>Roll back deployment ${plan.id}?</h2>
      <p class="muted">This is the plan (a dry run: nothing has changed yet).</p><${Plan} entries=${plan.data.plan} />
      <div class="row" style="margin-top:12px"><button class="danger" id="confirm-rollback" onClick=${confirm}>Confirm the rollback</button><button onClick=${() => setPlan(null)}>Cancel</button></div></div></div>`}`;
}

function Plan({ entries }) {
  const moving = (entries || []).filter((e) => e.action !== "unchanged");
  if (!moving.length) return html`<p class="muted">nothing changes</p>`;
  return html`<table>${moving.map((e) => html`<tr><td><span class="badge ${e.action === "delete" ? "bad" : e.action === "create" ? "ok" : "enabled"}">${e.action}</span></td>
    <td>${e.kind} <code>${e.workspace ? `${e.workspace}/` : ""}${e.name}</code>${e.changed && e.changed.length ? html`<div class="muted">${e.changed.join(", ")}</div>` : ""}</td><td class="muted">revision ${e.from_revision ?? "–"} → ${e.to_revision ?? "–"}</td></tr>`)}</table>`;
}

// ---------------------------------------------------------------- shell

function TokenPrompt({ onDone, failed }) {
  const [value, setValue] = useState("");
  return html`<div class="modal"><form class="panel" id="token-form" onSubmit=${(e) => { e.preventDefault(); onDone(value.trim()); }}>
    <h2>This server requires a token</h2>
    <p class="muted">Paste a bearer token. It is kept for this browser tab only.</p>
    ${failed && html`<div class="notice bad">That token is not known to this server.</div>`}
    <input id="token" type="password" style="width:100%" value=${value} onInput=${(e) => setValue(e.target.value)} autofocus />
    <div class="row" style="margin-top:10px"><button class="primary" type="submit">Use this token</button></div></form></div>`;
}

function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "").split("/").filter(Boolean).map(decodeURIComponent);
  return parts;
}

function App() {
  const [parts, setParts] = useState(route());
  const [identity, setIdentity] = useState(null);
  const [live, setLive] = useState(false);
  const [failed, setFailed] = useState(false);
  async function check() {
    const r = await api("/auth/whoami");
    if (!r.ok) return;
    Object.assign(auth, { required: r.data.tokens_required, actor: r.data.actor, scopes: r.data.scopes });
    setIdentity({ ...r.data });
  }
  useEffect(() => { check(); const on = () => setParts(route()); addEventListener("hashchange", on); return () => removeEventListener("hashchange", on); }, []);
  const ready = identity && identity.authenticated;
  useEffect(() => {
    if (!ready) return;
    return followEvents((event) => listeners.forEach((l) => l(event)), (state) => { connected = state; setLive(state); });
  }, [ready, identity && identity.actor]);
  const [section, name, sub, subName] = parts;
  let page;
  if (!identity) page = html`<p class="loading">Connecting…</p>`;
  else if (!ready) page = html`<${TokenPrompt} failed=${failed} onDone=${async (t) => { setToken(t); await check(); setFailed(!auth.scopes.length); }} />`;
  else if (section === "agents" && name) page = html`<${AgentView} name=${name} key=${name} />`;
  else if (section === "workspaces" && name && sub === "artefacts" && subName) page = html`<${ArtefactView} ws=${name} art=${subName} key=${`${name}/${subName}`} />`;
  else if (section === "workspaces" && name) page = html`<${WorkspaceView} ws=${name} key=${name} />`;
  else if (section === "organisations" && name && sub === "groups" && subName) page = html`<${GroupView} org=${name} name=${subName} key=${`g/${name}/${subName}`} />`;
  else if (section === "organisations" && name && sub === "schemes" && subName) page = html`<${SchemeView} org=${name} name=${subName} key=${`s/${name}/${subName}`} />`;
  else if (section === "organisations" && name) page = html`<${OrganisationView} name=${name} key=${name} useLive=${useLive} />`;
  else if (section === "time") page = html`<${Timeline} />`;
  else if (section === "deployments") page = html`<${Deployments} />`;
  else page = html`<${Overview} />`;
  const nav = (href, label, on) => html`<a href=${href} class=${on ? "active" : ""}>${label}</a>`;
  return html`
    <header class="top"><span class="brand">romas</span>
      <nav>${nav("#/", "The MAS", !section || ["agents", "organisations", "workspaces"].includes(section))}${nav("#/time", "Time travel", section === "time")}${nav("#/deployments", "Deployments", section === "deployments")}<a href="/schema">API</a></nav>
      <span class="who"><span class="live ${live ? "on" : ""}" title=${live ? "following the event stream" : "not connected"}></span>${live ? "live" : "offline"}
        ${identity && identity.tokens_required ? html` · ${identity.actor} (${identity.scopes.join(", ")}) <a href="javascript:void 0" onClick=${() => { setToken(""); check(); }}>forget token</a>` : ""}</span></header>
    <main>${page}</main>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
