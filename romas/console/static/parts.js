// Small pieces every view shows: a status badge and an artefact's observable properties.
import { h, htm } from "./vendor/vendor.js";

const html = htm.bind(h);

export const Badge = ({ text }) => html`<span class="badge ${text}">${text}</span>`;

export function Props({ values, previous }) {
  const keys = Object.keys(values || {});
  if (!keys.length) return html`<span class="muted">no properties</span>`;
  return html`<div class="props">${keys.map((key) => {
    const shown = JSON.stringify(values[key]);
    const changed = previous && key in previous && JSON.stringify(previous[key]) !== shown;
    return html`<div>${key} = <span class=${changed ? "changed" : ""} data-prop=${key}>${shown}</span></div>`;
  })}</div>`;
}
