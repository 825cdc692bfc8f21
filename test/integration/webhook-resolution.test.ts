import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import * as fixtures from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';
import { envelopeIdsOf, metaRequest, send, telegramRequest, twilioRequest, type SignedRequest } from '../helpers/webhooks.js';

/** Signed provider requests, from real fixtures, for one sender each. */
const requests = {
  telegram(messageId: number) {
    const update = structuredClone(fixtures.telegramUpdates()['text_message']) as any;
    update.message.message_id = messageId;
    return telegramRequest(update);
  },
  messaging(object: 'page' | 'instagram', mid: string) {
    const body = structuredClone(fixtures.messagingBodies(object)['text_message']) as any;
    body.entry[0].messaging[0].message.mid = mid;
    return metaRequest(body);
  },
  /** A WhatsApp Cloud text from `phone` (digits, no `+`) and/or the business-scoped user id `bsuid`. */
  whatsAppCloud(wamid: string, sender: { phone?: string; bsuid?: string }) {
    const body = structuredClone(fixtures.whatsAppCloudBodies()['message/text']) as any;
    const value = body.entry[0].changes[0].value;
    value.messages[0].id = wamid;
    value.contacts = [{ profile: { name: 'Test Name' }, ...(sender.phone ? { wa_id: sender.phone } : {}),
      ...(sender.bsuid ? { user_id: sender.bsuid } : {}) }];
    delete value.messages[0].from;
    if (sender.phone) value.messages[0].from = sender.phone;
    if (sender.bsuid) value.messages[0].from_user_id = sender.bsuid;
    return metaRequest(body);
  },
  sms(messageSid: string, from: string) {
    return twilioRequest({ MessageSid: messageSid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: from,
      To: '+447700900999', Body: 'hello', NumMedia: '0', SmsStatus: 'received' });
  },
};

describe('webhook senders become contacts (gateway → Kafka → resolver → resolved topic)', () => {
  let harness: Harness;
  let resolved: TopicReader;
  before(async () => {
    harness = await startHarness({ resolvers: 1 });
    resolved = await harness.read('resolved');
  });
  after(() => harness.close());

  /** Posts each request to its route and returns the resolved records of the messages they carried. */
  async function deliver(...deliveries: [string, SignedRequest][]): Promise<ResolvedEnvelope[]> {
    const ids: string[] = [];
    for (const [path, request] of deliveries) {
      ids.push(...envelopeIdsOf(harness, path, request));
      expect((await send(harness.baseUrl, path, request)).status).to.equal(200);
    }
    await waitFor(() => ids.every((id) => resolved.json<ResolvedEnvelope>().some((r) => r.id === id)),
      { what: `resolved records ${ids.join(', ')}` });
    return ids.map((id) => resolved.json<ResolvedEnvelope>().find((r) => r.id === id)!);
  }

  it('makes one contact of each channel’s sender, however many messages they send', async () => {
    const records = await deliver(
      ['/webhooks/telegram', requests.telegram(1)], ['/webhooks/telegram', requests.telegram(2)],
      ['/webhooks/meta', requests.messaging('page', 'mid.r1')], ['/webhooks/meta', requests.messaging('page', 'mid.r2')],
      ['/webhooks/meta', requests.messaging('instagram', 'mid.r3')],
      ['/webhooks/meta', requests.whatsAppCloud('wamid.r4', { phone: '972987654321', bsuid: 'US.1001' })],
      ['/webhooks/twilio', requests.sms('SM00000000000000000000000000000r05', '+447700900123')],
    );
    const [telegram1, telegram2, messenger1, messenger2, instagram, whatsapp, sms] = records;
    expect(telegram2!.contact.id).to.equal(telegram1!.contact.id);
    expect(telegram1!.contact.displayName).to.equal('first last');
    expect(messenger2!.contact.id).to.equal(messenger1!.contact.id);
    const contacts = new Set([telegram1, messenger1, instagram, whatsapp, sms].map((r) => r!.contact.id));
    expect(contacts.size).to.equal(5);
    expect(whatsapp!.contact.displayName).to.equal('Test Name');
    const { rows } = await harness.testDb.db.raw('SELECT kind, value FROM contact_identities ORDER BY kind');
    expect(rows.map((row: { kind: string }) => row.kind)).to.deep.equal(
      ['instagram_igsid', 'messenger_psid', 'sms', 'telegram_user', 'whatsapp', 'whatsapp_bsuid']);
  });

  it('makes two contacts of one phone arriving by Twilio SMS and by WhatsApp, and suggests merging them', async () => {
    const [sms, whatsapp] = await deliver(
      ['/webhooks/twilio', requests.sms('SM00000000000000000000000000000r10', '+447911123456')],
      ['/webhooks/meta', requests.whatsAppCloud('wamid.r11', { phone: '447911123456' })],
    );
    expect(sms!.contact.id).to.not.equal(whatsapp!.contact.id);
    const response = await harness.call('GET', `/api/contacts/${sms!.contact.id}/duplicates`);
    expect(response.body.duplicates).to.have.length(1);
    expect(response.body.duplicates[0]).to.deep.include({ field: 'phone', value: '+447911123456' });
    expect(response.body.duplicates[0].other.id).to.equal(whatsapp!.contact.id);
  });

  it('publishes a delivery the provider retried once on the resolved topic', async () => {
    const retried = requests.messaging('page', 'mid.retried');
    const [first] = await deliver(['/webhooks/meta', retried]);
    expect((await send(harness.baseUrl, '/webhooks/meta', retried)).status).to.equal(200);
    await deliver(['/webhooks/meta', requests.messaging('page', 'mid.after-retry')]);
    expect(resolved.json<ResolvedEnvelope>().filter((record) => record.id === first!.id)).to.have.length(1);
  });

  describe('WhatsApp users who hide their number behind a business-scoped user id', () => {
    it('finds the contact by the BSUID once the phone is gone', async () => {
      const [withPhone, withoutPhone] = await deliver(
        ['/webhooks/meta', requests.whatsAppCloud('wamid.r20', { phone: '972501234520', bsuid: 'US.2020' })],
        ['/webhooks/meta', requests.whatsAppCloud('wamid.r21', { bsuid: 'US.2020' })],
      );
      expect(withoutPhone!.sender).to.deep.equal({ kind: 'whatsapp_bsuid', id: 'US.2020' });
      expect(withoutPhone!.contact).to.deep.include({ id: withPhone!.contact.id, isNew: false });
    });
    it('joins the phone to the contact first known by its BSUID alone', async () => {
      const [bsuidOnly, withPhone] = await deliver(
        ['/webhooks/meta', requests.whatsAppCloud('wamid.r30', { bsuid: 'US.3030' })],
        ['/webhooks/meta', requests.whatsAppCloud('wamid.r31', { phone: '972501234531', bsuid: 'US.3030' })],
      );
      expect(bsuidOnly!.contact.isNew).to.equal(true);
      expect(withPhone!.contact).to.deep.include({ id: bsuidOnly!.contact.id, isNew: false });
      const { rows } = await harness.testDb.db.raw(
        'SELECT kind FROM contact_identities WHERE contact_id = ? ORDER BY kind', [bsuidOnly!.contact.id]);
      expect(rows.map((row: { kind: string }) => row.kind)).to.deep.equal(['whatsapp', 'whatsapp_bsuid']);
    });
  });
});
