import { expect } from 'chai';
import { compileFilter } from '../../contacts/filters.js';
import { ExpressionError, matchExpression, type Expression } from '../../contacts/expression.js';

/** Renders a parsed expression back with full parentheses, so precedence is visible in the table. */
function show(expression: Expression): string {
  if (expression.op === 'condition') return String(expression.index + 1);
  return `(${expression.operands.map(show).join(` ${expression.op} `)})`;
}

describe('Logical filter expressions', () => {
  describe('valid expressions', () => {
    const valid: [expression: string, conditions: number, parsed: string][] = [
      ['all', 3, '(1 and 2 and 3)'],
      ['any', 3, '(1 or 2 or 3)'],
      ['all', 1, '1'],
      ['1', 1, '1'],
      ['1 and 2', 2, '(1 and 2)'],
      ['1 AND 2', 2, '(1 and 2)'],
      ['1 Or 2', 2, '(1 or 2)'],
      ['1 or 2 and 3', 3, '(1 or (2 and 3))'],
      ['1 and 2 or 3', 3, '((1 and 2) or 3)'],
      ['(1 or 2) and 3', 3, '((1 or 2) and 3)'],
      ['(1 or 2 or 3) and (4 and 5)', 5, '((1 or 2 or 3) and (4 and 5))'],
      ['((1))', 1, '1'],
      ['  1   and\t2 ', 2, '(1 and 2)'],
      ['( 1 or 2 ) and ( 3 )', 3, '((1 or 2) and 3)'],
      ['2 or 1', 3, '(2 or 1)'],
    ];
    for (const [text, conditions, parsed] of valid) {
      it(`\`${text}\` over ${conditions} conditions reads as ${parsed}`, () => {
        expect(show(matchExpression(text, conditions))).to.equal(parsed);
      });
    }
  });

  describe('invalid expressions', () => {
    const invalid: [expression: string, conditions: number, reason: RegExp][] = [
      ['1 and 2', 0, /define the conditions before/],
      ['all', 0, /at least one condition/],
      ['(1 and 2', 2, /parenthesis at position 1 is never closed/],
      ['1 and 2)', 2, /closing parenthesis at position 8 has no opening one/],
      ['((1 or 2)', 2, /never closed/],
      ['1 and 3', 2, /condition 3 is not defined/],
      ['0', 2, /condition 0 is not defined/],
      ['1and 2', 2, /`and` at position 2 must be separated .* by spaces/],
      ['1 or2', 2, /`or` at position 3 must be separated/],
      ['(1 or 2)and 2', 2, /`and` at position 9 must be separated/],
      ['1 2', 2, /expected `and`, `or` or the end at position 3/],
      ['1 and', 2, /`and` at position 3 must be separated/],
      ['1 and ', 2, /ends where a condition number/],
      ['(1 or 2', 2, /never closed/],
      ['and 1', 2, /must be separated/],
      ['or', 2, /must be separated/],
      ['1 and or 2', 2, /expected a condition number .* found `or`/],
      ['()', 2, /empty parentheses/],
      ['1 xor 2', 2, /unknown word `xor`/],
      ['1 && 2', 2, /unexpected character `&`/],
      ['', 2, /empty/],
    ];
    for (const [text, conditions, reason] of invalid) {
      it(`\`${text}\` over ${conditions} conditions is refused: ${reason.source}`, () => {
        let error: unknown;
        try {
          matchExpression(text, conditions);
        } catch (caught) {
          error = caught;
        }
        expect(error).to.be.instanceOf(ExpressionError);
        expect((error as Error).message).to.match(/^Invalid logical expression: /).and.to.match(reason);
      });
    }
  });

  describe('compiled to SQL', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    it('binds every value as a parameter, never in the statement text', () => {
      const hostile = "x'); DROP TABLE contacts; --";
      const sql = compileFilter({ match: '1 or (2 and 3)', conditions: [
        { field: 'name', op: 'contains', value: hostile },
        { field: 'tag', op: 'has', value: hostile },
        { field: 'custom.plan', op: 'is', value: hostile },
      ] }, now);
      expect(sql.text).not.to.include('DROP');
      expect(sql.text).to.match(/ OR \(EXISTS/);
      expect(sql.params).to.deep.equal([`%${hostile}%`, hostile, 'plan', hostile]);
    });

    it('escapes LIKE wildcards in `contains`', () => {
      const sql = compileFilter({ match: 'all', conditions: [{ field: 'email', op: 'contains', value: '50%_off\\' }] }, now);
      expect(sql.params).to.deep.equal(['%50\\%\\_off\\\\%']);
    });

    it('turns `within the last N days` into a bound time', () => {
      const sql = compileFilter({ match: 'all', conditions: [{ field: 'created', op: 'within the last', value: 7 }] }, now);
      expect(sql.params).to.deep.equal([new Date('2026-11-15T12:00:00Z')]);
    });
  });
});
