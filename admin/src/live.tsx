import { useEffect, useRef, useState } from 'preact/hooks';
import { session } from './api.js';

/** A contact event from the gateway's `GET /api/events` stream (fed by the contact-events topic). */
export interface LiveEvent { type: string; data: Record<string, unknown> }
type Listener = (event: LiveEvent) => void;
type State = 'connecting' | 'live' | 'offline';

const listeners = new Set<Listener>();
const watchers = new Set<(state: State) => void>();
let state: State = 'connecting';
let controller: AbortController | undefined;

function setState(next: State) {
  state = next;
  for (const watch of watchers) watch(next);
}

/**
 * One stream per signed-in tab. EventSource cannot send the key in a header, so the stream is read with fetch;
 * it reconnects 5 s after it breaks, and every screen reloads what it shows when it is live again.
 */
async function connect(): Promise<void> {
  controller = new AbortController();
  const { signal } = controller;
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/events', { headers: { authorization: `Bearer ${session.key() ?? ''}` }, signal });
      if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Reconnected below.
    }
    if (signal.aborted) return;
    setState('offline');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

function dispatch(block: string) {
  const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
  const type = field('event');
  if (!type) return; // a heartbeat comment
  if (type === 'ready') return setState('live');
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(field('data') ?? '{}') as Record<string, unknown>;
  } catch {
    return;
  }
  for (const listener of listeners) listener({ type, data });
}

export const live = {
  start: () => { if (!controller) void connect(); },
  stop: () => { controller?.abort(); controller = undefined; setState('connecting'); },
};

/** Calls `onEvent` for each event of the given types while the component is mounted, and once each time the stream goes live. */
export function useLiveEvents(types: string[], onEvent: () => void): void {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Events come in bursts (a drain creates thousands of contacts): one reload per half second at most.
    const soon = () => { timer ??= setTimeout(() => { timer = undefined; latest.current(); }, 500); };
    const listener: Listener = (event) => { if (types.includes(event.type)) soon(); };
    const watcher = (next: State) => { if (next === 'live') soon(); };
    listeners.add(listener);
    watchers.add(watcher);
    return () => { listeners.delete(listener); watchers.delete(watcher); clearTimeout(timer); };
  }, [types.join(',')]);
}

/** "Live" while the stream is open: screens then update themselves. */
export function LiveStatus() {
  const [current, setCurrent] = useState(state);
  useEffect(() => { watchers.add(setCurrent); return () => void watchers.delete(setCurrent); }, []);
  const label = { connecting: 'Connecting for live updates…', live: 'Live', offline: 'Live updates paused: reconnecting…' }[current];
  return <span class={`live live-${current}`} role="status">{label}</span>;
}
