import { useEffect, useState } from 'preact/hooks';
import { api, fetchBlob, type ConnectorStatus, type WebchatSite, type WebhookChannel, type WhatsAppAccount } from '../api.js';
import { ChannelIcon, Failure, when } from '../ui.js';

/** A QR code lasts about 20 s before WhatsApp replaces it: the screen asks again this often while pairing. */
const PAIRING_REFRESH_MS = 5_000;

/** Which channels come in: webhook channels (enabled or what to set), stream connectors, WhatsApp pairing, web-chat sites. */
export function ChannelsPage() {
  const [overview, setOverview] = useState<{ channels: ConnectorStatus[]; webhooks: WebhookChannel[] }>();
  const [accounts, setAccounts] = useState<WhatsAppAccount[]>();
  const [sites, setSites] = useState<WebchatSite[]>();
  const [error, setError] = useState<Error>();
  const load = () => Promise.all([
    api<{ channels: ConnectorStatus[]; webhooks: WebhookChannel[] }>('GET', '/api/channels'),
    api<{ accounts: WhatsAppAccount[] }>('GET', '/api/channels/whatsapp'),
    api<{ sites: WebchatSite[] }>('GET', '/api/webchat/sites'),
  ]).then(([next, whatsapp, webchat]) => {
    setOverview(next);
    setAccounts(whatsapp.accounts);
    setSites(webchat.sites);
    setError(undefined);
  }, setError);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), PAIRING_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  if (!overview) return error ? <Failure error={error} /> : <p role="status">Loading channels…</p>;
  const streams = overview.channels.filter((c) => c.connector !== 'whatsapp');
  return (
    <>
      <h1>Channels</h1>
      {error && <Failure error={error} />}
      <section aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Webhook channels</h2>
        <table>
          <thead><tr><th scope="col">Channel</th><th scope="col">State</th><th scope="col">Webhook paths</th><th scope="col">To enable</th></tr></thead>
          <tbody>
            {overview.webhooks.map((hook) => (
              <tr key={hook.name}>
                <td>{hook.name}</td>
                <td>{hook.enabled ? <span class="ok">enabled</span> : <span class="off">disabled</span>}</td>
                <td>{hook.paths.map((path) => <code class="path">{path}</code>)}</td>
                <td>{hook.setting ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="streams-title">
        <h2 id="streams-title">Mailboxes and other stream connectors</h2>
        {streams.length === 0 ? <p class="empty">No stream connector has reported yet (IMAP mailboxes report once their process runs).</p> : (
          <table>
            <thead><tr><th scope="col">Connector</th><th scope="col">Account</th><th scope="col">State</th><th scope="col">Since</th>
              <th scope="col">Last report</th></tr></thead>
            <tbody>
              {streams.map((s) => (
                <tr key={`${s.connector}:${s.account}`}>
                  <td><ChannelIcon channel={s.connector} /> {s.connector}</td>
                  <td>{s.account}</td>
                  <td>{s.state}{s.stale && <span class="badge">stale</span>}{s.error && <small class="error"> {s.error}</small>}</td>
                  <td>{when(s.since)}</td>
                  <td>{when(s.reportedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="whatsapp-title">
        <h2 id="whatsapp-title">WhatsApp accounts</h2>
        {!accounts || accounts.length === 0 ? <p class="empty">No WhatsApp account is configured (WHATSAPP_ACCOUNTS).</p>
          : accounts.map((account) => <WhatsApp key={account.account} account={account} onChange={load} />)}
      </section>
      <section aria-labelledby="sites-title">
        <h2 id="sites-title">Web-chat sites</h2>
        {!sites || sites.length === 0 ? <p class="empty">No web-chat site yet.</p> : (
          <table>
            <thead><tr><th scope="col">Site</th><th scope="col">Id</th><th scope="col">Allowed origins</th><th scope="col">Pre-chat fields</th></tr></thead>
            <tbody>
              {sites.map((site) => (
                <tr key={site.id}>
                  <td>{site.name}</td><td><code>{site.id}</code></td>
                  <td>{site.allowedOrigins.join(', ') || 'any'}</td><td>{site.prechatFields.join(', ') || 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

/** One WhatsApp number: its state, the device it is linked as, and while pairing, the QR code to scan. */
function WhatsApp({ account, onChange }: { account: WhatsAppAccount; onChange: () => void }) {
  const [qr, setQr] = useState<string>();
  const [error, setError] = useState<Error>();
  const qrPath = account.pairing?.qr;
  useEffect(() => {
    if (!qrPath) return setQr(undefined);
    let url: string | undefined;
    fetchBlob(qrPath).then((next) => { url = next; setQr(next); }, setError);
    return () => { if (url) URL.revokeObjectURL(url); };
  }, [qrPath, account.status?.reportedAt]);
  const state = account.status ? `${account.status.state}${account.status.stale ? ' (stale)' : ''}` : 'not running';
  return (
    <article class="whatsapp" aria-label={`WhatsApp account ${account.account}`}>
      <h3><ChannelIcon channel="whatsapp" /> {account.account}</h3>
      <p>State: <strong>{state}</strong>{account.device?.id && <> — linked as <code>{account.device.id}</code></>}</p>
      {account.pairing?.error && <p class="error">{account.pairing.error}</p>}
      {qr && <figure><img src={qr} width={264} height={264} alt={`QR code to link WhatsApp account ${account.account}: scan it in WhatsApp, Linked devices`} />
        <figcaption>Scan in WhatsApp → Linked devices → Link a device. It changes every 20 s.</figcaption></figure>}
      {account.pairing?.code && <p>Pairing code: <strong class="code">{account.pairing.code}</strong></p>}
      {!account.device && !account.pairing && (
        <button type="button" onClick={() => api('POST', `/api/channels/whatsapp/${account.account}/pairing`, {}).then(onChange, setError)}>
          Pair this account
        </button>
      )}
      {error && <Failure error={error} />}
    </article>
  );
}
