import fc from 'fast-check';

/**
 * What an attacker or a careless client puts in a field: NUL and lone surrogates (which PostgreSQL cannot
 * store), prototype keys, markup, SQL and format strings, right-to-left marks, emoji, huge and empty values.
 */
const NASTY = ['\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', '__proto__', 'constructor', 'toString', '<img src=x onerror=alert(1)>',
  "'; DROP TABLE contacts; --", '%00', '%s%n', '${7*7}', '{{7*7}}', '\r\n', '"', '\\', '😀', '👩‍👩‍👧', 'null', 'undefined', ' ', '',
  '=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '0', '-0', '1e309', 'NaN', '9007199254740993', 'whatsapp:', 'whatsapp:+', ':',
  '0000-01-01', '9999-12-31T23:59:59Z', '00000000-0000-0000-0000-000000000000'];

/** A short string that is often one of NASTY, often random (any code unit, surrogates included), sometimes both. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.constantFrom(...NASTY), fc.string({ maxLength: 12 }), fc.constantFrom(...NASTY)).map(([a, b, c]) => `${a}${b}${c}`),
);

/** Occasionally long: up to 300 kB, to meet the size limits. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.tuple(hostileString, fc.integer({ min: 1, max: 300_000 })).map(([s, n]) => (s || 'x').repeat(Math.ceil(n / Math.max(1, s.length)))) },
);

/** Any JSON value, the keys hostile too. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileString, tie('value'), { maxKeys: 4 })),
})).value;

/** Sometimes the value that fits, sometimes a hostile one: so most requests get past the parser to the logic. */
export function mostly<T>(fitting: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> {
  return fc.oneof({ weight: 3, arbitrary: fitting }, { weight: 1, arbitrary: hostileJson });
}

/**
 * `base` (a value the route accepts) with one or two hostile changes: a field's text replaced, a field replaced
 * by any JSON, a field added or removed. Mostly one change, so that most requests get past validation and the
 * hostile value reaches the code behind it.
 */
export function mutated(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  const change = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant('text' as const), fc.constantFrom(...keys), hostileText) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('json' as const), fc.constantFrom(...keys), hostileJson) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('add' as const), hostileString, hostileJson) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('remove' as const), fc.constantFrom(...keys), fc.constant(undefined)) },
  );
  return fc.array(change, { minLength: 1, maxLength: 2 }).map((changes) => {
    const out: Record<string, unknown> = { ...base };
    for (const [op, key, value] of changes) {
      if (op === 'remove') delete out[key];
      else Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return out;
  });
}
