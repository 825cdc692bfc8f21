import { z } from 'zod';
import type { SqlFragment, SqlParam } from '../db/sql.js';
import { CHANNEL_SENDER_KINDS, CHANNELS } from '../identity/channels.js';
import { PayloadError } from '../identity/parse.js';
import { matchExpression, type Expression } from './expression.js';

export type { SqlFragment } from '../db/sql.js';

const TEXT_FIELDS = { name: 'c.display_name', email: 'c.email', phone: 'c.phone', firstName: 'c.first_name',
  lastName: 'c.last_name', country: 'c.country', language: 'c.language' } as const;
const TEXT_OPS = ['is', 'is not', 'contains', 'not contains', 'is empty', 'is not empty'] as const;
const DATE_FIELDS = {
  created: 'c.created_at',
  lastInteraction: 'c.last_interaction_at',
  lastIncomingMessage: '(SELECT max(i.last_inbound_at) FROM interactions i WHERE i.contact_id = c.id)',
} as const;

const customFieldName = z.string().regex(/^custom\.[a-z][a-z0-9_]{0,62}$/, 'custom fields are named `custom.<key>`');

const textCondition = z.object({
  field: z.enum(Object.keys(TEXT_FIELDS) as [keyof typeof TEXT_FIELDS]), op: z.enum(TEXT_OPS), value: z.string().max(500).optional() });
const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A real day, and a time with its offset if one is given, in the years PostgreSQL and people share: 0001 to 9999. */
export const calendarTime = z.string().max(40).refine((text) => {
  if (!DATE_OR_TIME.test(text) || Number(text.slice(0, 4)) < 1) return false;
  const parsed = new Date(text);
  // `new Date` rolls 2026-02-30 over to March: a real day reads back as itself.
  return !Number.isNaN(parsed.getTime()) && (text.length > 10 || parsed.toISOString().slice(0, 10) === text);
}, 'must be a date such as 2026-11-30, or a time with its offset such as 2026-11-30T10:00:00Z, from the year 1 to 9999')
  .describe('a date (YYYY-MM-DD) or a time with its offset (ISO 8601)');

const dateCondition = z.object({
  field: z.enum(Object.keys(DATE_FIELDS) as [keyof typeof DATE_FIELDS]),
  op: z.enum(['before', 'after', 'within the last']),
  value: z.union([calendarTime, z.number().int().positive().max(36_500)]) });

const knownCondition = z.discriminatedUnion('field', [
    textCondition,
    dateCondition,
    z.object({ field: z.literal('tag'), op: z.enum(['has', 'has not']), value: z.string().min(1).max(100) }),
    z.object({ field: z.literal('channel'), op: z.enum(['has', 'has not']),
      value: z.enum(CHANNELS) }),
    z.object({ field: z.literal('blocked'), op: z.literal('is'), value: z.boolean() }),
    z.object({ field: z.literal('lifecycleStage'), op: z.enum(['is', 'is not']), value: z.string().max(100) }),
    z.object({ field: z.literal('assignee'), op: z.enum(TEXT_OPS), value: z.string().max(200).optional() }),
]);
const customCondition = z.object({
  field: customFieldName, op: z.enum(TEXT_OPS), value: z.union([z.string().max(500), z.number(), z.boolean()]).optional() });

export const conditionSchema = z.union([knownCondition, customCondition]);

export type Condition = z.infer<typeof conditionSchema>;

export const filterSchema = z.object({
  conditions: z.array(conditionSchema).max(50).default([]),
  match: z.string().max(500).default('all'),
});
export type Filter = z.infer<typeof filterSchema>;

/** Compiles conditions and a match mode to one WHERE fragment over `contacts c`. Throws ExpressionError. */
export function compileFilter(filter: Filter, now: Date): SqlFragment {
  if (filter.conditions.length === 0) {
    if (filter.match !== 'all' && filter.match !== 'any') matchExpression(filter.match, 0);
    return { text: 'TRUE', params: [] };
  }
  return compileExpression(matchExpression(filter.match, filter.conditions.length), filter.conditions, now);
}

function compileExpression(expression: Expression, conditions: Condition[], now: Date): SqlFragment {
  if (expression.op === 'condition') return compileCondition(conditions[expression.index]!, now);
  const parts = expression.operands.map((operand) => compileExpression(operand, conditions, now));
  return {
    text: `(${parts.map((part) => part.text).join(expression.op === 'and' ? ' AND ' : ' OR ')})`,
    params: parts.flatMap((part) => part.params),
  };
}

function compileCondition(condition: Condition, now: Date): SqlFragment {
  if (condition.field.startsWith('custom.')) {
    const custom = condition as z.infer<typeof customCondition>;
    const column = { text: '(c.custom_fields ->> ?)', params: [custom.field.slice('custom.'.length)] };
    return textComparison(column, custom.op, custom.value === undefined ? undefined : String(custom.value));
  }
  return compileKnownCondition(condition as z.infer<typeof knownCondition>, now);
}

function compileKnownCondition(condition: z.infer<typeof knownCondition>, now: Date): SqlFragment {
  switch (condition.field) {
    case 'name': case 'email': case 'phone': case 'firstName': case 'lastName': case 'country': case 'language':
      return textComparison({ text: TEXT_FIELDS[condition.field], params: [] }, condition.op, condition.value);
    case 'created': case 'lastInteraction': case 'lastIncomingMessage': {
      const column = DATE_FIELDS[condition.field];
      const { op, value } = condition;
      if (op === 'within the last') {
        if (typeof value !== 'number') throw new FilterError(`${condition.field} within the last: the value is a number of days`);
        return { text: `${column} >= ?::timestamptz`, params: [new Date(now.getTime() - value * 86_400_000)] };
      }
      if (typeof value === 'number') throw new FilterError(`${condition.field} ${op}: the value is a date`);
      return { text: `${column} ${op === 'before' ? '<' : '>'} ?::timestamptz`, params: [value] };
    }
    case 'tag': {
      const exists = `EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                       WHERE ct.contact_id = c.id AND lower(t.name) = lower(?))`;
      return { text: condition.op === 'has' ? exists : `NOT ${exists}`, params: [condition.value] };
    }
    case 'channel': {
      const exists = 'EXISTS (SELECT 1 FROM contact_identities ci WHERE ci.contact_id = c.id AND ci.kind = ANY(?::text[]))';
      return { text: condition.op === 'has' ? exists : `NOT ${exists}`, params: [[...CHANNEL_SENDER_KINDS[condition.value]]] };
    }
    case 'blocked':
      return { text: condition.value ? "c.status = 'blocked'" : "c.status <> 'blocked'", params: [] };
    case 'lifecycleStage':
      return { text: condition.op === 'is' ? 'c.lifecycle_stage = ?' : 'c.lifecycle_stage IS DISTINCT FROM ?', params: [condition.value] };
    case 'assignee':
      return textComparison({ text: 'c.assignee', params: [] }, condition.op, condition.value);
  }
}

type TextOp = (typeof TEXT_OPS)[number];

function textComparison(column: SqlFragment, op: TextOp, value: string | undefined): SqlFragment {
  const c = column.text;
  const fragment = (text: string, ...values: SqlParam[]) => ({ text, params: [...column.params, ...values] });
  if (op === 'is empty') return fragment(`COALESCE(${c}, '') = ''`);
  if (op === 'is not empty') return fragment(`COALESCE(${c}, '') <> ''`);
  if (value === undefined) throw new FilterError(`the operator \`${op}\` needs a value`);
  switch (op) {
    case 'is': return fragment(`lower(${c}) = lower(?)`, value);
    case 'is not': return fragment(`lower(${c}) IS DISTINCT FROM lower(?)`, value);
    case 'contains': return fragment(`${c} ILIKE ? ESCAPE '\\'`, likePattern(value));
    case 'not contains': return fragment(`COALESCE(${c}, '') NOT ILIKE ? ESCAPE '\\'`, likePattern(value));
  }
}

export function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A condition whose value does not fit its operator: a 400 like any other malformed input. */
export class FilterError extends PayloadError {
  override name = 'FilterError';
}
