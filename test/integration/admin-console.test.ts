import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { adminRoutes } from '../../gateway/routes/admin.js';
import { artifactPath } from '../helpers/artifacts.js';
import { launchBrowser } from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/harness.js';

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

  before(async function () {
    if (!existsSync(new URL('../../admin/dist/index.html', import.meta.url))) {
      throw new Error('admin/dist is missing: npm test builds the console (scripts/ensure-admin.sh); run npm run build:admin');
    }
    harness = await startHarness();
    agentKey = (await createApiKey(harness.testDb.db, { name: 'Agent Ann', role: 'agent' })).key;
    const create = async (body: object) => (await harness.call('POST', '/api/contacts', { body })).body.id as string;
    ids.ada = await create({ name: 'Ada Lovelace', email: 'ada@lovelace.dev', tags: ['vip'] });
    ids.twin = await create({ name: 'Augusta Ada King', email: 'ada@lovelace.dev' });
    for (const name of HOSTILE) await create({ name });
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
    await page.route('**/api/contacts?*', (route) => route.fulfill({ status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'Kafka did not acknowledge in time; try again' } }) }));
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('alert').filter({ hasText: /unavailable.*503|503.*unavailable/i }).waitFor();
    await page.unroute('**/api/contacts?*');
  });

  it('shows an agent no button the API would refuse, and signs out for good', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate<unknown>("sessionStorage.getItem('tributary.apiKey')")).to.equal(null);
    await signIn(agentKey);
    await page.goto(`${harness.baseUrl}/admin/contacts/${ids.twin}`);
    await page.getByRole('heading', { name: 'Augusta Ada King' }).waitFor();
    for (const name of ['Block', 'Unblock', 'Not a duplicate', 'Remove']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).to.equal(0);
    }
    await page.getByLabel('Add a note').waitFor(); // what an agent may do is there
    await accessible('contact-agent');
  });
});
