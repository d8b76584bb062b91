// Talking to romas over its public HTTP API: the bearer token kept for this tab, JSON and text bodies,
// and the event stream read with fetch (EventSource can send neither a token nor named events to one handler).

const TOKEN_KEY = "romas.console.token";

export const auth = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  required: false,
  actor: "anonymous",
  scopes: [],
};

export function setToken(token) {
  auth.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function can(scope) {
  return auth.scopes.includes(scope) || auth.scopes.includes("admin");
}

function headersWith(extra) {
  const headers = { Accept: "application/hal+json, application/problem+json;q=0.9, */*;q=0.5", ...extra };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  return headers;
}

/** One request; answers {ok, status, data, headers} and never throws for an HTTP status. */
export async function api(path, { method = "GET", body, headers = {}, text = false } = {}) {
  const extra = { ...headers };
  let payload = body;
  if (body !== undefined && typeof body !== "string") {
    payload = JSON.stringify(body);
    extra["Content-Type"] = "application/json";
  }
  if (text) extra.Accept = "text/x-asl, text/x-diff, text/plain, application/problem+json";
  let response;
  try {
    // Always ask the server: a browser may otherwise keep a 410 (heuristically cacheable) after a restore.
    response = await fetch(path, { method, headers: headersWith(extra), body: payload, cache: "no-cache" });
  } catch (error) {
    return { ok: false, status: 0, data: { title: "the server does not answer", detail: String(error) }, headers: new Headers() };
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  return { ok: response.ok, status: response.status, data, headers: response.headers };
}

/** The embedded list of a HAL collection, whatever its relation is called. */
export function embedded(body) {
  const items = body && body._embedded ? Object.values(body._embedded)[0] : null;
  return Array.isArray(items) ? items : [];
}

export function problemText(result) {
  const data = result.data;
  if (data && typeof data === "object") return data.detail || data.title || `HTTP ${result.status}`;
  return `HTTP ${result.status}`;
}

/** Follow ``GET /events`` as Server-Sent Events from now on; reconnects from the last id. Returns a stopper. */
export function followEvents(onEvent, onState) {
  let stopped = false;
  let lastId = null;
  let controller = null;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const extra = { Accept: "text/event-stream" };
        if (lastId !== null) extra["Last-Event-ID"] = String(lastId);
        const response = await fetch("/events", { headers: headersWith(extra), signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = {};
            for (const line of block.split("\n")) {
              const colon = line.indexOf(":");
              if (colon > 0) fields[line.slice(0, colon)] = (fields[line.slice(0, colon)] || "") + line.slice(colon + 1).trimStart();
            }
            if (fields.id) lastId = Number(fields.id);
            if (fields.data) {
              try { onEvent(JSON.parse(fields.data)); } catch { /* a keep-alive or a foreign line */ }
            }
          }
        }
      } catch (error) {
        if (stopped) return;
      }
      onState(false);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
  run();
  return () => { stopped = true; if (controller) controller.abort(); };
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function ago(iso) {
  if (!iso) return "";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return when(iso);
}
