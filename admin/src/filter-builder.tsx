import { useEffect, useState } from 'preact/hooks';
import { api, type Condition, type Filter } from './api.js';
import { channelLabel } from './ui.js';

const TEXT_OPS = ['is', 'is not', 'contains', 'not contains', 'is empty', 'is not empty'];
const NO_VALUE = new Set(['is empty', 'is not empty']);
const CHANNELS = ['webchat', 'email', 'sms', 'whatsapp', 'messenger', 'instagram', 'telegram', 'api'];

type Kind = 'text' | 'date' | 'tag' | 'channel' | 'blocked' | 'choice';
/** The fields the search API filters on, as a person names them, with the operators each takes. */
const FIELDS: [field: string, label: string, kind: Kind, ops: string[]][] = [
  ['name', 'Name', 'text', TEXT_OPS], ['email', 'Email', 'text', TEXT_OPS], ['phone', 'Phone', 'text', TEXT_OPS],
  ['firstName', 'First name', 'text', TEXT_OPS], ['lastName', 'Last name', 'text', TEXT_OPS], ['country', 'Country', 'text', TEXT_OPS],
  ['language', 'Language', 'text', TEXT_OPS], ['tag', 'Tag', 'tag', ['has', 'has not']], ['channel', 'Channel', 'channel', ['has', 'has not']],
  ['lifecycleStage', 'Lifecycle stage', 'choice', ['is', 'is not']], ['assignee', 'Assignee', 'text', TEXT_OPS],
  ['created', 'Created', 'date', ['before', 'after', 'within the last']],
  ['lastInteraction', 'Last interaction', 'date', ['before', 'after', 'within the last']],
  ['lastIncomingMessage', 'Last incoming message', 'date', ['before', 'after', 'within the last']],
  ['blocked', 'Blocked', 'blocked', ['is']],
];

interface FieldDefinition { key: string; label: string }

/** A blank condition on a field: its first operator and an empty value. */
function blank(field: string, ops: string[], kind: Kind): Condition {
  if (kind === 'blocked') return { field, op: 'is', value: true };
  if (kind === 'channel') return { field, op: ops[0]!, value: 'whatsapp' };
  return { field, op: ops[0]!, value: '' };
}

/**
 * Numbered conditions and how they combine: all, any, or an expression such as `(1 or 2) and 3`. The API
 * checks the expression; its "Invalid logical expression" sentence is shown beside it (`expressionError`).
 */
export function FilterBuilder({ filter, onChange, expressionError, conditionError }: {
  filter: Filter; onChange: (next: Filter) => void; expressionError?: string | undefined;
  conditionError?: { index: number; message: string } | undefined;
}) {
  const [custom, setCustom] = useState<FieldDefinition[]>([]);
  useEffect(() => { api<{ fields: FieldDefinition[] }>('GET', '/api/fields').then((r) => setCustom(r.fields), () => setCustom([])); }, []);
  const fields = [...FIELDS, ...custom.map((f): (typeof FIELDS)[number] => [`custom.${f.key}`, f.label, 'text', TEXT_OPS])];
  const describe = (field: string) => fields.find(([name]) => name === field) ?? FIELDS[0]!;
  const mode = filter.match === 'all' || filter.match === 'any' ? filter.match : 'expression';
  const set = (index: number, condition: Condition) =>
    onChange({ ...filter, conditions: filter.conditions.map((c, i) => (i === index ? condition : c)) });

  return (
    <fieldset class="filter">
      <legend>Filter</legend>
      {filter.conditions.length === 0 && <p class="hint">No conditions: every contact.</p>}
      <ol class="conditions">
        {filter.conditions.map((condition, index) => {
          const [, label, kind, ops] = describe(condition.field);
          const n = index + 1;
          const error = conditionError?.index === index ? conditionError.message : undefined;
          return (
            <li key={index} class="condition">
              <span class="number" aria-hidden="true">{n}</span>
              <select aria-label={`Condition ${n} field`} value={condition.field}
                onChange={(e) => { const [field, , k, o] = describe(e.currentTarget.value); set(index, blank(field, o, k)); }}>
                {fields.map(([name, text]) => <option value={name}>{text}</option>)}
              </select>
              <select aria-label={`Condition ${n} operator`} value={condition.op}
                onChange={(e) => set(index, { ...condition, op: e.currentTarget.value,
                  value: kind === 'date' ? (e.currentTarget.value === 'within the last' ? 30 : '') : condition.value })}>
                {ops.map((op) => <option value={op}>{op}</option>)}
              </select>
              <Value condition={condition} kind={kind} label={`Condition ${n} value (${label})`} invalid={!!error}
                onChange={(value) => set(index, { ...condition, value })} />
              <button type="button" class="link" aria-label={`Remove condition ${n}`}
                onClick={() => onChange({ ...filter, conditions: filter.conditions.filter((_, i) => i !== index) })}>Remove</button>
              {error && <span class="error" role="alert">{error}</span>}
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => onChange({ ...filter, conditions: [...filter.conditions, blank('name', TEXT_OPS, 'text')] })}>
        Add condition
      </button>
      <div class="match">
        <label for="match-mode">Match</label>
        <select id="match-mode" value={mode} onChange={(e) => {
          const next = e.currentTarget.value;
          onChange({ ...filter, match: next === 'expression' ? filter.conditions.map((_, i) => i + 1).join(' and ') || '1' : next });
        }}>
          <option value="all">all conditions</option>
          <option value="any">any condition</option>
          <option value="expression">an expression</option>
        </select>
        {mode === 'expression' && (
          <>
            <label for="match-expression">Expression</label>
            <input id="match-expression" value={filter.match} placeholder="(1 or 2) and 3" aria-invalid={!!expressionError}
              aria-describedby={expressionError ? 'expression-error' : undefined}
              onInput={(e) => onChange({ ...filter, match: e.currentTarget.value })} />
            {expressionError && <span id="expression-error" class="error" role="alert">{expressionError}</span>}
          </>
        )}
      </div>
    </fieldset>
  );
}

function Value({ condition, kind, label, invalid, onChange }: { condition: Condition; kind: Kind; label: string; invalid: boolean;
  onChange: (value: Condition['value']) => void }) {
  if (NO_VALUE.has(condition.op)) return null;
  if (kind === 'blocked') {
    return (
      <select aria-label={label} value={String(condition.value)} onChange={(e) => onChange(e.currentTarget.value === 'true')}>
        <option value="true">yes</option><option value="false">no</option>
      </select>
    );
  }
  if (kind === 'channel') {
    return (
      <select aria-label={label} value={String(condition.value)} onChange={(e) => onChange(e.currentTarget.value)}>
        {CHANNELS.map((channel) => <option value={channel}>{channelLabel(channel)}</option>)}
      </select>
    );
  }
  if (kind === 'date' && condition.op === 'within the last') {
    return (
      <span class="days">
        <input aria-label={label} type="number" min={1} max={36500} value={String(condition.value ?? '')} aria-invalid={invalid}
          onInput={(e) => onChange(Number(e.currentTarget.value) || e.currentTarget.value)} /> days
      </span>
    );
  }
  const text = String(condition.value ?? '');
  return kind === 'date'
    ? <input aria-label={label} type="date" value={text} aria-invalid={invalid} onInput={(e) => onChange(e.currentTarget.value)} />
    : <input aria-label={label} type="text" value={text} aria-invalid={invalid} onInput={(e) => onChange(e.currentTarget.value)} />;
}
