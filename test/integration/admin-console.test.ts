import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { PAIRING } from '../../connectors/whatsapp/pairing.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { connectorStateStore } from '../../db/repositories/connector-state.js';
import { adminRoutes } from '../../gateway/routes/admin.js';
import { artifactPath } from '../helpers/artifacts.js';
import { launchBrowser } from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait-for.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const HOSTILE = ['<script>window.__xss=1</script>', 'مرحبا بالعالم', 'Long'.repeat(50), '🦄 Emoji 🚀'];
const LONG_NOTE = 'A note that goes on. '.repeat(24).slice(0, 500);

/** The admin console (issue 16) in Debian's Chromium, on the real gateway, API, Kafka and PostgreSQL. */
describe('the admin console in Chromium', function () {
  this.timeout(120_000);
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let agentKey: string;
  const ids: Record<string, string> = {};
  const create = async (body: object) => (await harness.call('POST', '/api/contacts', { body })).body.id as string;

  before(async function () {
    if (!existsSync(new URL('../../admin/dist/index.html', import.meta.url))) {
      throw new Error('admin/dist is missing: npm test builds the console (scripts/ensure-admin.sh); run npm run build:admin');
    }
    harness = await startHarness({ env: { WHATSAPP_ACCOUNTS: 'sales' } });
    agentKey = (await createApiKey(harness.testDb.db, { name: 'Agent Ann', role: 'agent' })).key;
    await harness.call('POST', '/api/fields', { body: { key: 'score', label: 'Score', type: 'number' } });
    ids.ada = await create({ name: 'Ada Lovelace', email: 'ada@lovelace.dev', tags: ['vip'] });
    ids.twin = await create({ name: 'Augusta Ada King', email: 'ada@lovelace.dev' });
    for (const name of HOSTILE) await create({ name });
    ids.mergeOne = await create({ name: 'Merge One', email: 'one@merge.dev', country: 'DE' });
    ids.mergeTwo = await create({ name: 'Merge Two', country: 'FR' });
    ids.mergeThree = await create({ name: 'Merge Three', phone: '+14158675310' });
    // A mailbox and a WhatsApp number waiting to be paired, as their processes record them.
    const since = new Date().toISOString();
    await connectorStateStore(harness.testDb.db, 'email', 'support@shop.dev').set({ status: { state: 'live', since, reportedAt: since } });
    await connectorStateStore(harness.testDb.db, 'whatsapp', 'sales').set({
      status: { state: 'needs_action', since, reportedAt: since }, [PAIRING]: { qr: '2@trib-test-qr,content', updatedAt: since } });
    browser = await launchBrowser();
    // The console's Content-Security-Policy forbids inline scripts, axe-core's injection among them: the test's
    // browser bypasses it (the header itself is checked below).
    page = await (await browser.newContext({ locale: 'en-GB', bypassCSP: true })).newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  /** axe-core on the screen as it is: no serious or critical violation. */
  async function accessible(screen: string): Promise<void> {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate<string[]>(`axe.run().then((result) => result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' (' + v.nodes.length + ')'))`);
    expect(violations, `${screen}: axe-core violations`).to.deep.equal([]);
    await page.screenshot({ path: artifactPath(`admin-${screen}.png`), fullPage: true });
  }

  async function signIn(key: string): Promise<void> {
    await page.goto(`${harness.baseUrl}/admin/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
  }

  it('is served with a strict Content-Security-Policy, hashed assets cached for good and the page never cached', async () => {
    const response = await fetch(`${harness.baseUrl}/admin/contacts/anything`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-security-policy')).to.include("default-src 'self'");
    expect(response.headers.get('cache-control')).to.equal('no-cache');
    const asset = /\/admin\/assets\/[^"]+\.js/.exec(await response.text())![0];
    expect((await fetch(`${harness.baseUrl}${asset}`)).headers.get('cache-control')).to.match(/max-age=31536000, immutable/);
    expect((await fetch(`${harness.baseUrl}/admin/assets/missing.js`)).status).to.equal(404);
  });

  it('answers 503 naming the fix when the console is not built', async () => {
    const app = express().use(adminRoutes('/nonexistent/admin-dist/'));
    const server: Server = await new Promise((ready) => { const s = app.listen(0, '127.0.0.1', () => ready(s)); });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/contacts`);
      expect(response.status).to.equal(503);
      expect(((await response.json()) as { error: { message: string } }).error.message).to.match(/not built: run npm run build/);
    } finally {
      server.close();
    }
  });

  it('refuses a wrong key with the API\'s sentence, and keeps the key out of the URL and localStorage', async () => {
    await page.goto(`${harness.baseUrl}/admin/`);
    await accessible('sign-in');
    await page.getByLabel('API key').fill('trb_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).to.match(/key/i);
    await signIn(harness.ownerKey);
    expect(page.url()).not.to.include(harness.ownerKey);
    expect(await page.evaluate<string>('JSON.stringify(localStorage)')).not.to.include(harness.ownerKey);
    expect(await page.evaluate<string>("sessionStorage.getItem('tributary.apiKey')")).to.equal(harness.ownerKey);
  });

  it('lists contacts, renders hostile names as text, and searches', async () => {
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    for (const name of HOSTILE) expect(await page.getByRole('link', { name, exact: true }).count(), name).to.equal(1);
    expect(await page.evaluate<unknown>('window.__xss')).to.equal(undefined);
    await accessible('contacts');
    await page.getByLabel('Search').fill('Augusta');
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('row').count()).to.equal(2); // the header and Augusta
    await page.getByLabel('Search').fill('nobody-matches-this');
    await page.getByText('No contact matches').waitFor();
  });

  it('builds a filter: the API\'s "Invalid logical expression" beside the expression, then a valid one saved as a view', async () => {
    await page.goto(`${harness.baseUrl}/admin/contacts`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 operator').selectOption('contains');
    await page.getByLabel('Condition 1 value (Name)').fill('Ada');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 2 field').selectOption('tag');
    await page.getByLabel('Condition 2 operator').selectOption('has not');
    await page.getByLabel('Condition 2 value (Tag)').fill('vip');
    await page.getByLabel('Match').selectOption('expression');
    await page.getByLabel('Expression').fill('1 and');
    const problem = page.locator('#expression-error');
    await problem.waitFor();
    expect(await problem.textContent()).to.match(/^Invalid logical expression: /);
    expect(await page.getByLabel('Expression').getAttribute('aria-invalid')).to.equal('true');
    await page.getByLabel('Expression').fill('(1 and 2) or 1 and 2');
    await problem.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Augusta Ada King' }).waitFor();
    await page.getByLabel('Save this filter as').fill('Ada without VIP');
    await page.getByLabel('Public').check();
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByRole('button', { name: 'Ada without VIP', exact: true }).waitFor();
    await accessible('contacts-filter');
    const [view] = (await harness.call('GET', '/api/views')).body.views;
    expect(view).to.deep.include({ name: 'Ada without VIP', public: true });
    expect(view.filter).to.deep.include({ match: '(1 and 2) or 1 and 2' });

    await page.goto(`${harness.baseUrl}/admin/contacts`); // a fresh table, then the view opened from the side list
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('button', { name: 'Ada without VIP', exact: true }).click();
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    expect(await page.getByLabel('Expression').inputValue()).to.equal('(1 and 2) or 1 and 2');
  });

  it('selects rows to tag, export and delete them, with the delete job\'s progress bar', async () => {
    ids.bulkA = await create({ name: 'Bulk Alpha' });
    ids.bulkB = await create({ name: 'Bulk Beta' });
    await page.goto(`${harness.baseUrl}/admin/contacts`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByLabel('Search').fill('Bulk');
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    await page.getByLabel('Select every contact on this page').check();
    const bar = page.getByRole('region', { name: 'Selected contacts' });
    await bar.getByText('2 selected').waitFor();
    await bar.getByLabel('Tag').fill('spring-sale');
    await bar.getByRole('button', { name: 'Add tag' }).click();
    await bar.getByText('Tagged 2 contacts “spring-sale”.').waitFor();
    expect((await harness.call('GET', `/api/contacts/${ids.bulkA}`)).body.tags).to.deep.equal(['spring-sale']);
    const [download] = await Promise.all([page.waitForEvent('download'), bar.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).to.include('Bulk Alpha').and.to.include('Bulk Beta').and.not.to.include('Ada Lovelace');
    await bar.getByRole('button', { name: 'Delete' }).click();
    await bar.getByText('Done: 2 of 2.').waitFor();
    expect(await bar.locator('progress').count()).to.equal(1);
    await accessible('contacts-bulk');
    expect((await harness.call('GET', `/api/contacts/${ids.bulkA}`)).status).to.equal(404);
    await page.getByText('No contact matches “Bulk”.').waitFor();
  });

  it('merges three contacts choosing a conflicting value, then undoes it from the merge history', async () => {
    await page.goto(`${harness.baseUrl}/admin/contacts`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByLabel('Search').fill('Merge');
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    for (const name of ['Merge One', 'Merge Two', 'Merge Three']) await page.getByLabel(`Select ${name}`).check();
    await page.getByRole('button', { name: 'Merge…' }).click();
    const drawer = page.getByRole('dialog', { name: 'Merge contacts' });
    await drawer.getByRole('radio', { name: 'Merge One', exact: true }).check();
    await drawer.getByRole('group', { name: 'Keep which country?' }).waitFor();
    await drawer.getByRole('group', { name: 'Keep which country?' }).getByLabel(/FR/).check();
    await drawer.getByText('FR', { exact: true }).waitFor(); // the preview follows the choice
    await accessible('merge-drawer');
    await drawer.getByRole('button', { name: 'Merge 3 contacts' }).click();
    await drawer.getByText('Merged 3 contacts into').waitFor();
    const merged = (await harness.call('GET', `/api/contacts/${ids.mergeOne}`)).body;
    expect(merged).to.include({ name: 'Merge One', country: 'FR', email: 'one@merge.dev', phone: '+14158675310' });
    await drawer.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Merges' }).click();
    await page.getByRole('heading', { name: 'Merge history' }).waitFor();
    await page.getByRole('cell', { name: 'Merge Two, Merge Three' }).waitFor();
    await accessible('merges');
    await page.getByRole('button', { name: 'Undo the merge into Merge One' }).click();
    await page.getByText('Undone: 2 contacts are separate from Merge One again.').waitFor();
    expect((await harness.call('GET', `/api/contacts/${ids.mergeTwo}`)).body).to.include({ name: 'Merge Two', country: 'FR' });
    expect((await harness.call('GET', `/api/contacts/${ids.mergeOne}`)).body).to.include({ country: 'DE' });
  });

  it('shows a new contact without a reload, from the contact-events topic', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await create({ name: 'Live Louise' });
    await page.getByRole('link', { name: 'Live Louise' }).waitFor({ timeout: 15_000 });
  });

  it('lets an owner create a key shown once, revoke it, and filter the audit log', async () => {
    await page.getByRole('link', { name: 'Owners' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Zapier sync');
    await page.getByLabel('Role').selectOption('manager');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = await page.getByLabel('New API key').textContent();
    expect(shown).to.match(/^\S{20,}$/);
    expect((await fetch(`${harness.baseUrl}/api/me`, { headers: { authorization: `Bearer ${shown}` } })).status).to.equal(200);
    await accessible('owners');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByText(shown!).count(), 'the key is shown once').to.equal(0);
    await page.getByRole('button', { name: 'Revoke Zapier sync' }).click();
    await page.getByRole('row', { name: /Zapier sync/ }).getByRole('button').waitFor({ state: 'detached' });
    await waitFor(async () => (await fetch(`${harness.baseUrl}/api/me`, { headers: { authorization: `Bearer ${shown}` } })).status === 401,
      { what: 'the revoked key refused' });

    const cells = (action: string) => page.getByRole('cell', { name: action, exact: true });
    await page.getByLabel('Action').selectOption('contact.merged');
    await cells('contact.created').first().waitFor({ state: 'detached' });
    expect(await cells('contact.merged').count()).to.equal(1);
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Contact id').fill(ids.twin!);
    await cells('contact.merged').first().waitFor({ state: 'detached' });
    expect(await cells('contact.created').count()).to.equal(1);
  });

  it('shows the channels: webhooks enabled or what to set, connector states, the WhatsApp pairing QR code, web-chat sites', async () => {
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByRole('heading', { name: 'Webhook channels' }).waitFor();
    await page.getByRole('row', { name: /support@shop\.dev/ }).getByText('live').waitFor();
    const qr = page.getByRole('img', { name: /QR code to link WhatsApp account sales/ });
    await qr.waitFor();
    expect(await qr.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).to.equal(true);
    expect(await page.getByRole('cell', { name: 'enabled', exact: true }).count()).to.be.greaterThan(0);
    await accessible('channels');
  });

  it('edits a field in place: the API\'s error on the field, then a valid value saved', async () => {
    await page.goto(`${harness.baseUrl}/admin/contacts/${ids.ada}`);
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    await accessible('contact');
    await page.getByLabel('Phone (E.164)').fill('0151 1234');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#error-phone');
    await error.waitFor();
    expect(await error.textContent()).to.match(/E\.164/);
    expect(await page.getByLabel('Phone (E.164)').getAttribute('aria-invalid')).to.equal('true');
    await page.getByLabel('Phone (E.164)').fill('+14158675309');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await harness.call('GET', `/api/contacts/${ids.ada}`)).body).to.include({ phone: '+14158675309', country: 'US' });

    await page.getByLabel('Score').fill('lots');
    await page.getByRole('button', { name: 'Save' }).click();
    const customError = page.locator('#error-customFields-score');
    await customError.waitFor();
    expect(await customError.textContent()).to.match(/^customFields\.score: /);
    await page.getByLabel('Score').fill('42');
    await page.getByRole('button', { name: 'Save' }).click();
    await customError.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await harness.call('GET', `/api/contacts/${ids.ada}`)).body.customFields).to.deep.equal({ score: 42 });
  });

  it('adds a note and a tag, and shows the duplicate with why', async () => {
    await page.getByLabel('Add a note').fill('Called back about the <b>invoice</b>');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Called back about the <b>invoice</b>').waitFor();
    await page.getByLabel('Add a note').fill(LONG_NOTE);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText(LONG_NOTE).waitFor();
    await page.getByLabel('Add a tag').fill('callback');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Remove tag callback' }).waitFor();
    await page.getByText('same email ada@lovelace.dev').waitFor();
  });

  it('blocks a contact, which then is in the blocked segment', async () => {
    await page.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('button', { name: 'Unblock' }).waitFor();
    await page.getByRole('link', { name: 'Blocked' }).click();
    await page.getByRole('heading', { name: 'Blocked contacts' }).waitFor();
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await accessible('blocked');
    expect((await harness.call('GET', `/api/contacts/${ids.ada}`)).body.blocked).to.equal(true);
    await harness.call('POST', `/api/contacts/${ids.ada}/unblock`);
  });

  it('lists suggestions and dismisses one as not a duplicate', async () => {
    await page.getByRole('link', { name: 'Duplicates' }).click();
    await page.getByRole('heading', { name: 'Possible duplicates' }).waitFor();
    await page.getByText('same email ada@lovelace.dev').waitFor();
    await accessible('duplicates');
    await page.getByRole('button', { name: 'Not a duplicate' }).click();
    await page.getByText('No open suggestions.').waitFor();
    expect((await harness.call('GET', '/api/duplicates')).body.duplicates).to.deep.equal([]);
  });

  it('says the service is unavailable when the API answers 503, instead of spinning', async () => {
    await page.route('**/api/contacts/search', (route) => route.fulfill({ status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'Kafka did not acknowledge in time; try again' } }) }));
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('alert').filter({ hasText: /unavailable.*503|503.*unavailable/i }).waitFor();
    await page.unroute('**/api/contacts/search');
  });

  it('is usable with the keyboard alone: search, Tab to a contact, open it, open and close the merge drawer', async () => {
    await page.goto(`${harness.baseUrl}/admin/contacts`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByLabel('Search').focus();
    await page.keyboard.type('Augusta');
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    const focused = () => page.evaluate<string>('document.activeElement?.textContent ?? ""');
    for (let presses = 0; presses < 40 && (await focused()) !== 'Augusta Ada King'; presses++) await page.keyboard.press('Tab');
    expect(await focused()).to.equal('Augusta Ada King');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Augusta Ada King' }).waitFor();
    await page.getByRole('button', { name: 'Merge…' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Merge contacts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Merge contacts' }).waitFor({ state: 'detached' });
  });

  it('shows an agent no button the API would refuse, and signs out for good', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate<unknown>("sessionStorage.getItem('tributary.apiKey')")).to.equal(null);
    await signIn(agentKey);
    await page.goto(`${harness.baseUrl}/admin/contacts/${ids.twin}`);
    await page.getByRole('heading', { name: 'Augusta Ada King' }).waitFor();
    for (const name of ['Block', 'Unblock', 'Not a duplicate', 'Remove', 'Merge…', 'Merge']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).to.equal(0);
    }
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: 'Augusta Ada King' }).waitFor();
    expect(await page.getByRole('checkbox', { name: /^Select/ }).count(), 'no row selection: every bulk action is refused to agents').to.equal(0);
    for (const name of ['Merges', 'Channels', 'Owners']) expect(await page.getByRole('link', { name }).count(), name).to.equal(0);
    await page.goto(`${harness.baseUrl}/admin/contacts/${ids.twin}`);
    await page.getByRole('heading', { name: 'Augusta Ada King' }).waitFor();
    await page.getByLabel('Add a note').waitFor(); // what an agent may do is there
    await accessible('contact-agent');
  });
});
