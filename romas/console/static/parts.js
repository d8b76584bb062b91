// Small pieces every view shows: where the page is, a status badge and an artefact's observable properties.
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

/** Where this page is: links back up to the MAS. */
export function Crumbs({ items }) {
  return html`<div class="crumbs">${items.map(([href, label], i) => html`${i ? " / " : ""}${href ? html`<a href=${href}>${label}</a>` : html`<span>${label}</span>`}`)}</div>`;
}
