import { expect } from 'chai';
import { envelopeSchema } from '../../connectors/envelope.js';
import { envelope } from '../helpers/envelopes.js';

/** A record from outside our connectors that PostgreSQL could not store is refused by the contract, naming the field. */
describe('the envelope contract: strings PostgreSQL cannot store', () => {
  const base = () => envelope({ channel: 'api', account: 'acme', kind: 'api_user', id: 'ada' });
  const issueOf = (value: unknown) => {
    const result = envelopeSchema.safeParse(value);
    return result.success ? undefined : result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  };

  it('accepts an envelope whose strings are all storable, nested ones included', () => {
    const value = base();
    value.message.attachments = [{ type: 'file', name: 'report.pdf' }, { type: 'image', name: 'façade 🏛.jpg' }];
    expect(issueOf(value)).to.equal(undefined);
  });

  it('names the first NUL by its full path, through arrays', () => {
    const value = base();
    value.message.attachments = [{ type: 'file', name: 'fine' }, { type: 'file', name: 'bad\u0000name' }];
    expect(issueOf(value)).to.deep.equal([{ path: ['message', 'attachments', 1, 'name'],
      message: 'must not contain NUL (U+0000) or a lone surrogate' }]);
  });

  it('names a lone surrogate in a profile field', () => {
    const value = { ...base(), profile: { name: 'Ada \ud800 Lovelace' } };
    expect(issueOf(value)?.[0]?.path).to.deep.equal(['profile', 'name']);
  });
});
