import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { artifactPath } from '../helpers/artifacts.js';
import { launchBrowser } from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

const XSS = '<img src=x onerror="window.__xss=1">';

/** The web-chat widget in a real browser (Debian's Chromium), on the demo page the gateway serves. */
describe('the web-chat widget in Chromium', function () {
  this.timeout(120_000);
  let harness: Harness;
  let browser: Browser;
  let resolved: TopicReader;
  before(async () => {
    harness = await startHarness();
    resolved = await harness.read('resolved');
    browser = await launchBrowser();
    await harness.call('POST', '/api/webchat/sites', { body: { id: 'noform', name: 'No form', prechatFields: [] } });
  });
  after(async () => {
    await browser?.close();
    await harness.close();
  });

  const launcher = (page: Page) => page.getByRole('button', { name: 'Chat with us' });
  const demo = async (context: BrowserContext, site = 'default') => {
    const page = await context.newPage();
    await page.goto(`${harness.baseUrl}/webchat/demo?site=${site}`);
    return page;
  };
  const sendMessage = async (page: Page, text: string) => {
    await page.getByLabel('Your message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Sent', { exact: true }).last().waitFor();
  };
  /** The resolved record of the last message this test sent with `text`. */
  const resolvedText = (text: string) => waitFor(() => resolved.json<ResolvedEnvelope>().findLast((r) => r.message.text === text),
    { what: `"${text}" on the resolved topic` });

  let ada: { context: BrowserContext; contactId: string };

  it('first visit with the form: one contact with the form\'s data; after a reload, the same contact', async () => {
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await demo(context);
    await launcher(page).click();
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@people.dev');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await sendMessage(page, 'Hello from the form');
    const first = await resolvedText('Hello from the form');
    const { body: contact } = await harness.call('GET', `/api/contacts/${first.contact.id}`);
    expect(contact).to.include({ name: 'Ada Lovelace', email: 'ada@people.dev', timezone: 'Europe/London', language: 'en-GB', country: 'GB' });

    await page.reload();
    await launcher(page).click();
    expect(await page.getByText('Hello from the form').count()).to.equal(1);
    await sendMessage(page, 'Back again');
    expect((await resolvedText('Back again')).contact).to.include({ id: first.contact.id, isNew: false });
    ada = { context, contactId: first.contact.id };
  });

  it('a fresh browser with the same email: a second contact, flagged as a potential duplicate', async () => {
    const context = await browser.newContext();
    const page = await demo(context);
    await launcher(page).click();
    await page.getByLabel('Name').fill('Ada Again');
    await page.getByLabel('Email').fill('ada@people.dev');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await sendMessage(page, 'Hello from another browser');
    const record = await resolvedText('Hello from another browser');
    expect(record.contact.id).not.to.equal(ada.contactId);
    expect(record.contact.potentialDuplicates).to.equal(1);
    const { body } = await harness.call('GET', `/api/contacts/${record.contact.id}/duplicates`);
    expect(body.duplicates.map((d: { other: { id: string } }) => d.other.id)).to.deep.equal([ada.contactId]);
    await context.close();
  });

  it('without a form: a generated friendly name, the same for every message', async () => {
    const context = await browser.newContext();
    const page = await demo(context, 'noform');
    await launcher(page).click();
    await sendMessage(page, 'No form one');
    await sendMessage(page, 'No form two');
    const [one, two] = [await resolvedText('No form one'), await resolvedText('No form two')];
    expect(one.contact.displayName).to.match(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(two.contact).to.include({ id: one.contact.id, displayName: one.contact.displayName });
    await context.close();
  });

  it('retries a failed send with the same message id: one message, shown as sent', async () => {
    const context = await browser.newContext();
    const page = await demo(context, 'noform');
    await launcher(page).click();
    let dropped = 0;
    await page.route('**/webchat/messages**', (route) => (dropped++ === 0 ? route.abort('connectionreset') : route.continue()));
    await page.getByLabel('Your message').fill('Flaky network');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Sent', { exact: true }).last().waitFor();
    const record = await resolvedText('Flaky network');
    await resolved.settle(1_000);
    expect(resolved.json<ResolvedEnvelope>().filter((r) => r.id === record.id)).to.have.length(1);
    await context.close();
  });

  it('shows markup a visitor typed as text and never runs it', async () => {
    const context = await browser.newContext();
    const page = await demo(context);
    await launcher(page).click();
    await page.getByLabel('Name').fill(XSS);
    await page.getByLabel('Email').fill('markup@people.dev');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await sendMessage(page, XSS);
    expect(await page.getByText(`You are chatting as ${XSS}`).count()).to.equal(1);
    expect(await page.locator('[data-tributary-chat] >> .msg').last().textContent()).to.equal(XSS);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).to.equal(undefined);
    expect(await page.locator('img').count()).to.equal(0);
    await context.close();
  });

  it('a forged or tampered cookie does not reach the original contact', async () => {
    const [original] = (await ada.context.cookies()).filter((cookie) => cookie.name === 'trb_default');
    const context = await browser.newContext();
    await context.addCookies([{ ...original!, value: `${original!.value.slice(0, -2)}xx` }]);
    const page = await demo(context);
    await launcher(page).click();
    await page.getByLabel('Name').fill('Impostor');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await sendMessage(page, 'Am I Ada?');
    expect((await resolvedText('Am I Ada?')).contact.id).not.to.equal(ada.contactId);
    await context.close();
  });

  it('a blocked visitor sees no button on reload and what it posts is dropped; a fresh browser sees the button', async () => {
    expect((await harness.call('POST', `/api/contacts/${ada.contactId}/block`)).status).to.equal(200);
    const page = await demo(ada.context);
    // The widget fetches its config after the page's load event: let that fetch end first, or the waiter below
    // would catch it and then wait forever for the body of a response the reload abandoned (seen under load).
    await page.waitForLoadState('networkidle');
    const config = page.waitForResponse((response) => response.url().includes('/webchat/config'));
    await page.reload();
    await (await config).finished();
    await page.waitForTimeout(300);
    expect(await launcher(page).count()).to.equal(0);
    const status = await page.evaluate(async () => (await fetch('/webchat/messages?site=default', { method: 'POST',
      credentials: 'include', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'default', clientMessageId: 'sneaky', text: 'Blocked but trying' }) })).status);
    expect(status).to.equal(202);
    const fresh = await browser.newContext();
    await launcher(await demo(fresh)).waitFor();
    await fresh.close();
    await resolved.settle(1_500);
    expect(resolved.json<ResolvedEnvelope>().some((r) => r.message.text === 'Blocked but trying')).to.equal(false);
  });

  it('leaves a screenshot of the demo with an open conversation, and the time to a clickable button', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${harness.baseUrl}/webchat/demo`);
    await launcher(page).waitFor({ state: 'visible' });
    const toButtonMs = Date.now() - started;
    await launcher(page).click();
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Email').fill('grace@people.dev');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await sendMessage(page, 'Hi! Do the trail boots come in size 39?');
    await sendMessage(page, 'And can I return them if they do not fit?');
    await page.screenshot({ path: artifactPath('webchat-demo.png') });
    const widget = await fetch(`${harness.baseUrl}/webchat/widget.js`, { headers: { 'accept-encoding': 'gzip' } });
    const measured = { toClickableButtonMs: toButtonMs, widgetBytes: Number((await fetch(`${harness.baseUrl}/webchat/widget.js`,
      { headers: { 'accept-encoding': 'identity' } })).headers.get('content-length')), widgetGzipEncoding: widget.headers.get('content-encoding') };
    writeFileSync(artifactPath('webchat-measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
    expect(toButtonMs).to.be.below(30_000);
    await context.close();
  });
});
