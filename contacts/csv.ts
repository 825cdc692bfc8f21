import { PayloadError } from '../identity/parse.js';

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */

export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map((value) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(',')}\r\n`;
}

/** The text is not CSV this reader can follow (an unclosed quote, text after a closing quote, a huge field). */
export class CsvError extends PayloadError {
  override name = 'CsvError';
}

/**
 * Reads records from a stream of text chunks without holding more than one record: a record may span
 * chunks and lines (inside quotes). Yields each record with its 1-based line number.
 */
export async function* parseCsv(chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>, maxFieldLength = 100_000):
  AsyncGenerator<{ line: number; fields: string[] }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let pendingCr = false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const endField = () => {
    fields.push(field);
    field = '';
    afterQuote = false;
  };

  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const char of text) {
      if (pendingCr) {
        pendingCr = false;
        if (char === '\n') continue;
      }
      if (quoted) {
        if (char === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (char === '\n') line++;
          field += char;
        }
      } else if (char === '"') {
        if (afterQuote) {
          field += '"';
          quoted = true;
          afterQuote = false;
        } else if (field === '') {
          quoted = true;
        } else {
          throw new CsvError(`line ${line}: a quote inside an unquoted field`);
        }
      } else if (char === ',') {
        endField();
      } else if (char === '\n' || char === '\r') {
        endField();
        if (!(fields.length === 1 && fields[0] === '')) yield { line: recordLine, fields };
        fields = [];
        pendingCr = char === '\r';
        line++;
        recordLine = line;
      } else {
        if (afterQuote) throw new CsvError(`line ${line}: text after a closing quote`);
        field += char;
      }
      if (field.length > maxFieldLength) throw new CsvError(`line ${line}: a field longer than ${maxFieldLength} characters`);
    }
  }
  if (quoted) throw new CsvError(`line ${recordLine}: a quoted field is never closed`);
  if (field !== '' || fields.length > 0) {
    endField();
    yield { line: recordLine, fields };
  }
}
