import { expect } from 'chai';
import { CsvError, csvLine, parseCsv } from '../../contacts/csv.js';

async function parse(...chunks: string[]) {
  const records: { line: number; fields: string[] }[] = [];
  for await (const record of parseCsv((async function* () { yield* chunks; })())) records.push(record);
  return records;
}

describe('CSV', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, across chunk boundaries', async () => {
    const records = await parse('name,note\r\n"Lovelace, Ada","said ""hi""\nthen left"\r', '\nplain,x\n\n');
    expect(records).to.deep.equal([
      { line: 1, fields: ['name', 'note'] },
      { line: 2, fields: ['Lovelace, Ada', 'said "hi"\nthen left'] },
      { line: 4, fields: ['plain', 'x'] },
    ]);
  });

  it('reads a last record without a line break', async () => {
    expect(await parse('a,b\n1,')).to.deep.equal([{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', ''] }]);
  });

  it('refuses an unclosed quote and stray quotes, naming the line', async () => {
    for (const [input, message] of [['a\n"open', /line 2: a quoted field is never closed/], ['ab"c', /line 1: a quote inside/],
      ['"a"b', /line 1: text after a closing quote/]] as const) {
      const error = await parse(input).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(CsvError);
      expect((error as Error).message).to.match(message);
    }
  });

  it('writes what it reads back', async () => {
    const values = ['Lovelace, Ada', 'said "hi"', 'two\nlines', '', '+4915123456789'];
    const [record] = await parse(csvLine(values));
    expect(record!.fields).to.deep.equal(values);
  });
});
