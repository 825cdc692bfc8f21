/**
 * The product's logical expressions over numbered filter conditions, e.g. `(1 or 2 or 3) and (4 and 5)`.
 * Precedence: parentheses, then `and`, then `or`. Keywords are case-insensitive and must stand between
 * spaces; every number must name a defined condition (1-based).
 */
export type Expression =
  | { op: 'condition'; index: number }
  | { op: 'and' | 'or'; operands: Expression[] };

export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(readonly reason: string) {
    super(`Invalid logical expression: ${reason}`);
  }
}

type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'and' | 'or' | '(' | ')'; at: number };

/** `all` and `any` are the two match modes without an expression. */
export function matchExpression(match: string, conditionCount: number): Expression {
  const all = Array.from({ length: conditionCount }, (_, index): Expression => ({ op: 'condition', index }));
  if (match === 'all' || match === 'any') {
    if (conditionCount === 0) throw new ExpressionError('add at least one condition');
    return all.length === 1 ? all[0]! : { op: match === 'all' ? 'and' : 'or', operands: all };
  }
  return parseExpression(match, conditionCount);
}

export function parseExpression(text: string, conditionCount: number): Expression {
  if (conditionCount === 0) throw new ExpressionError('define the conditions before writing an expression');
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ExpressionError('the expression is empty');
  let position = 0;
  const peek = () => tokens[position];

  /** One precedence level: `operand (op operand)*`, flattened into one node. */
  function parseChain(op: 'and' | 'or', parseNext: () => Expression): Expression {
    const operands = [parseNext()];
    while (peek()?.kind === op) {
      position++;
      operands.push(parseNext());
    }
    return operands.length === 1 ? operands[0]! : { op, operands };
  }
  const parseAnd = () => parseChain('and', parseOperand);
  const parseOr = () => parseChain('or', parseAnd);

  function parseOperand(): Expression {
    const token = peek();
    if (token?.kind === 'number') {
      position++;
      if (token.value < 1 || token.value > conditionCount) {
        throw new ExpressionError(`condition ${token.value} is not defined (there ${conditionCount === 1 ? 'is 1 condition' : `are ${conditionCount} conditions`})`);
      }
      return { op: 'condition', index: token.value - 1 };
    }
    if (token?.kind === '(') {
      position++;
      if (peek()?.kind === ')') throw new ExpressionError(`empty parentheses at position ${token.at + 1}`);
      const inner = parseOr();
      const closing = peek();
      if (!closing) throw new ExpressionError(`the parenthesis at position ${token.at + 1} is never closed`);
      if (closing.kind !== ')') throw new ExpressionError(unexpected(closing, 'a closing parenthesis'));
      position++;
      return inner;
    }
    throw new ExpressionError(unexpected(token, 'a condition number or an opening parenthesis'));
  }

  const expression = parseOr();
  const rest = peek();
  if (rest) {
    throw new ExpressionError(rest.kind === ')'
      ? `the closing parenthesis at position ${rest.at + 1} has no opening one`
      : unexpected(rest, '`and`, `or` or the end'));
  }
  return expression;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|\(|\)|\d+|[A-Za-z]+|./gy;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const [word] = match;
    const at = match.index;
    if (/^\s+$/.test(word)) continue;
    if (word === '(' || word === ')') tokens.push({ kind: word, at });
    else if (/^\d+$/.test(word)) tokens.push({ kind: 'number', value: Number(word), at });
    else if (/^(and|or)$/i.test(word)) {
      const before = text[at - 1];
      const after = text[at + word.length];
      if (before === undefined || after === undefined || !/\s/.test(before) || !/\s/.test(after)) {
        throw new ExpressionError(`\`${word}\` at position ${at + 1} must be separated from its operands by spaces`);
      }
      tokens.push({ kind: word.toLowerCase() as 'and' | 'or', at });
    } else if (/^[A-Za-z]+$/.test(word)) {
      throw new ExpressionError(`unknown word \`${word}\` at position ${at + 1}: use condition numbers, \`and\`, \`or\` and parentheses`);
    } else {
      throw new ExpressionError(`unexpected character \`${word}\` at position ${at + 1}`);
    }
  }
  return tokens;
}

function unexpected(token: Token | undefined, wanted: string): string {
  if (!token) return `the expression ends where ${wanted} was expected`;
  const shown = token.kind === 'number' ? String(token.value) : token.kind;
  return `expected ${wanted} at position ${token.at + 1}, found \`${shown}\``;
}
