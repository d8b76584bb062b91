// Keeping views current: every event of the server's stream goes to the views that asked for it.
import { useEffect } from "./vendor/vendor.js";

export const listeners = new Set();

/** Re-run ``load`` whenever an event matching ``accept`` arrives (debounced), and once at the start. */
export function useLive(load, deps, accept = () => true) {
  useEffect(() => {
    let timer = null;
    load();
    const listener = (event) => {
      if (!accept(event)) return;
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    };
    listeners.add(listener);
    return () => { listeners.delete(listener); clearTimeout(timer); };
  }, deps);
}

/** For what the event stream does not carry (an agent's log and mind): read again every ``ms``. */
export function usePoll(load, deps, ms) {
  useEffect(() => {
    load();
    const timer = setInterval(load, ms);
    return () => clearInterval(timer);
  }, deps);
}
