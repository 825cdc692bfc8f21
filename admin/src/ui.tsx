import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/**
 * What `load` answers, loaded on mount and by `reload()` (after a change); `error` holds the last failure,
 * of the load or of an action reported with `setError`, until the next load succeeds.
 */
export function useLoad<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const reload = useCallback(() => load().then((next) => { setData(next); setError(undefined); }, setError), []);
  useEffect(() => { void reload(); }, [reload]);
  return { data, error, setError, reload };
}

/** An error as a person reads it; a 503 says the service is unavailable instead of spinning forever. */
export function Failure({ error }: { error: Error }) {
  const unavailable = error instanceof ApiError && error.status === 503 && !/unavailable/i.test(error.message);
  return <p role="alert" class="error">{unavailable ? 'The service is unavailable right now (503): ' : ''}{error.message}</p>;
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}

const CHANNELS: Record<string, [label: string, glyph: string]> = {
  webchat: ['Web chat', 'W'], email: ['Email', '@'], sms: ['SMS', 'S'], whatsapp: ['WhatsApp', 'WA'], messenger: ['Messenger', 'M'],
  instagram: ['Instagram', 'IG'], telegram: ['Telegram', 'TG'], api: ['API', '{}'],
};

/** A channel as a small labelled badge: the name is read out and shown on hover, the glyph is what the eye scans. */
export function ChannelIcon({ channel }: { channel: string }) {
  const [label, glyph] = CHANNELS[channel] ?? [channel, channel.slice(0, 2)];
  return <span class={`channel channel-${channel}`} role="img" aria-label={label} title={label}>{glyph}</span>;
}

export function channelLabel(channel: string): string {
  return CHANNELS[channel]?.[0] ?? channel;
}
