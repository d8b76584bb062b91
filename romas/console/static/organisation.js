// An organisation drawn: its structural specification as an SVG diagram (groups, roles, cardinalities,
// links, role inheritance) and each scheme's goal tree with the state of every goal in the running schemes.
import { h, htm, useState } from "./vendor/vendor.js";
import { api, embedded, when } from "./api.js";
import { History } from "./history.js";
import { Crumbs } from "./parts.js";

const enc = encodeURIComponent;

const html = htm.bind(h);
const BOX_W = 150;
const BOX_H = 44;
const GAP = 40;

function StructureDiagram({ spec }) {
  const groups = Object.entries(spec.groups || {});
  const roles = spec.roles || {};
  const blocks = [];
  let y = 10;
  const position = {};
  for (const [groupName, group] of groups) {
    const names = Object.keys(group.roles || {});
    const height = BOX_H + 84;
    const width = Math.max(names.length * (BOX_W + GAP) + GAP, 260);
    names.forEach((role, i) => { position[role] = { x: GAP + i * (BOX_W + GAP), y: y + 62 }; });
    blocks.push({ groupName, group, names, y, width, height });
    y += height + 30;
  }
  const free = Object.keys(roles).filter((r) => !(r in position));
  const freeTop = y;
  free.forEach((role, i) => { position[role] = { x: GAP + i * (BOX_W + GAP), y: y + 26 }; });
  const totalHeight = y + (free.length ? BOX_H + 46 : 0);
  const totalWidth = Math.max(...blocks.map((b) => b.width + 20), free.length * (BOX_W + GAP) + GAP, 400);
  const arrows = [];
  for (const { group } of blocks) {
    for (const l of group.links || []) {
      const a = position[l.from];
      const b = position[l.to];
      if (!a || !b) continue;
      const x1 = a.x + BOX_W / 2;
      const x2 = b.x + BOX_W / 2;
      const top = a.y - 4;
      arrows.push(html`<path d="M ${x1} ${top} C ${x1} ${top - 26}, ${x2} ${top - 26}, ${x2 + (x2 > x1 ? -6 : 6)} ${top}" fill="none" stroke="#2f6fde" stroke-width="1.5" marker-end="url(#arrow)" />
        <text x=${(x1 + x2) / 2} y=${top - 22} text-anchor="middle" fill="#2f6fde">${l.type || "link"}</text>`);
    }
  }
  const inherits = [];
  for (const [role, def] of Object.entries(roles)) {
    for (const parent of (def && def.extends) || []) inherits.push(html`<span class="badge">${role} ▷ ${parent}</span>`);
  }
  return html`<svg id="structure" width=${totalWidth} height=${totalHeight} role="img" aria-label="structural specification">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#2f6fde" /></marker></defs>
    ${blocks.map((b) => html`<g>
      <rect x="10" y=${b.y} width=${b.width} height=${b.height} rx="10" fill="#f3f6fc" stroke="#c9d3e6" />
      <text x="22" y=${b.y + 18} font-weight="600">group ${b.groupName}</text>
      ${b.names.map((role) => { const p = position[role]; const card = b.group.roles[role] || {}; return html`<g>
        <rect x=${p.x} y=${p.y} width=${BOX_W} height=${BOX_H} rx="6" fill="#fff" stroke="#667085" />
        <text x=${p.x + BOX_W / 2} y=${p.y + 18} text-anchor="middle" font-weight="600">${role}</text>
        <text x=${p.x + BOX_W / 2} y=${p.y + 34} text-anchor="middle" fill="#667085">${card.min ?? 0}..${card.max ?? "∗"}</text></g>`; })}
    </g>`)}
    ${free.length > 0 && html`<text x="22" y=${freeTop + 12} fill="#667085">roles in no group (other roles extend them)</text>`}
    ${free.map((role) => { const p = position[role]; return html`<g><rect x=${p.x} y=${p.y} width=${BOX_W} height=${BOX_H} rx="6" fill="#fff" stroke="#c9d3e6" stroke-dasharray="4 3" />
      <text x=${p.x + BOX_W / 2} y=${p.y + 26} text-anchor="middle">${role}</text></g>`; })}
    ${arrows}
  </svg>
  <div style="margin-top:6px">${inherits.length ? html`<span class="muted">inheritance: </span>${inherits}` : ""}</div>`;
}

export function GoalTree({ goals, root, states }) {
  const node = (name, seen) => {
    const def = goals[name] || {};
    const kind = def.sequence ? "sequence" : def.choice ? "choice" : def.parallel ? "parallel" : null;
    const children = def.sequence || def.choice || def.parallel || [];
    const state = states ? states[name] : null;
    return html`<li data-goal=${name}><b>${name}</b> ${state && html`<span class="badge ${state}">${state}</span>`}
      ${kind && html`<span class="muted"> ${kind}</span>`} ${def.description ? html`<span class="muted">— ${def.description}</span>` : ""}
      ${children.length > 0 && !seen.has(name) && html`<ul>${children.map((c) => node(c, new Set([...seen, name])))}</ul>`}</li>`;
  };
  return html`<div class="tree"><ul>${node(root, new Set())}</ul></div>`;
}

export function rootOf(goals) {
  const named = new Set();
  for (const def of Object.values(goals)) for (const c of def.sequence || def.choice || def.parallel || []) named.add(c);
  return Object.keys(goals).find((g) => !named.has(g)) || Object.keys(goals)[0];
}

/** What an obligation asks, in words: commit to a mission, or achieve a goal. */
function obligedTo(what) {
  if (!what) return "";
  if (what.committed) return html`commit to <b>${what.committed.mission}</b> in ${what.committed.scheme}`;
  if (what.done) return html`achieve <b>${what.done.goal}</b> in ${what.done.scheme}`;
  return JSON.stringify(what);
}

export function OrganisationView({ name, useLive }) {
  const [spec, setSpec] = useState(null);
  const [now, setNow] = useState(null);
  const [obligations, setObligations] = useState([]);
  useLive(async () => {
    {
      const [s, o, d] = await Promise.all([api(`/organisations/${name}`), api("/overview"), api(`/organisations/${name}/obligations`)]);
      if (s.ok) setSpec(s.data.specification || s.data);
      if (o.ok) setNow(o.data.organisations.find((x) => x.name === name));
      setObligations(embedded(d.data));
    }
  }, [name], (e) => e.stream.startsWith(`/organisations/${name}`));
  if (!spec) return html`<p class="loading">Reading the organisation…</p>`;
  const schemes = Object.entries(spec.schemes || {});
  return html`<${Crumbs} items=${[["#/", "the MAS"], [null, `organisation ${name}`]]} /><h1>Organisation <span class="mono">${name}</span></h1>
    ${spec.description && html`<p class="muted">${spec.description}</p>`}
    <section class="panel"><h2>Structure</h2><div style="overflow:auto"><${StructureDiagram} spec=${spec} /></div></section>
    <div class="grid" style="margin-top:16px">
      ${schemes.map(([type, scheme]) => {
        const running = (now ? now.schemes : []).filter((s) => s.type === type);
        return html`<section class="panel"><h2>Scheme ${type}</h2>
          ${running.length ? running.map((r) => html`<h3>running: <a href="#/organisations/${enc(name)}/schemes/${enc(r.name)}">${r.name}</a> (group ${r.group})</h3><${GoalTree} goals=${scheme.goals} root=${rootOf(scheme.goals)} states=${r.goals} />
            <div class="muted">commitments: ${r.commitments.map((c) => html`<span class="badge">${c}</span>`)}</div>`)
            : html`<${GoalTree} goals=${scheme.goals} root=${rootOf(scheme.goals)} states=${null} />`}
          <h3>Missions</h3>${Object.entries(scheme.missions || {}).map(([m, def]) => html`<div><b>${m}</b>: ${(def.goals || []).join(", ")} <span class="muted">(${def.min ?? 1}..${def.max ?? "∗"})</span></div>`)}
        </section>`;
      })}
      <section class="panel"><h2>Groups and players</h2>
        ${(now ? now.groups : []).map((g) => html`<div><a href="#/organisations/${enc(name)}/groups/${enc(g.name)}"><b>${g.name}</b></a> (${g.type}): ${g.players.map((p) => html`<span class="badge">${p}</span>`)}</div>`)}
        <h3>Norms</h3>${(spec.norms || []).map((n) => html`<div><span class="badge">${n.type}</span> ${n.role} → ${n.mission}${n.deadline_s ? html` <span class="muted">within ${n.deadline_s}s</span>` : ""}</div>`)}
        <h3>Obligations</h3><table><tr><th>State</th><th>Agent</th><th>Obliged to</th><th>Norm</th><th>Since</th></tr>
          ${obligations.map((o) => html`<tr data-obligation=${o.norm}><td><span class="badge ${o.state}">${o.state}</span></td><td>${o.agent}</td><td>${obligedTo(o.what)}</td><td class="muted">${o.norm || ""}</td><td class="muted nowrap">${when(o.since)}</td></tr>`)}
          ${obligations.length === 0 && html`<tr><td class="muted" colspan="5">none</td></tr>`}</table>
      </section>
    </div>
    <div style="margin-top:16px"><${History} base=${`/organisations/${enc(name)}`} title="Specification history" useLive=${useLive} /></div>`;
}
