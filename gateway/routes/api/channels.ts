import { Router, type Request } from 'express';
import { DEVICE, deviceSchema, NEEDS_PAIRING, PAIRING, PAIRING_REQUEST, pairingBodySchema, pairingSchema } from '../../../connectors/whatsapp/pairing.js';
import { ConflictError, NotFoundError } from '../../../contacts/errors.js';
import { parseWith } from '../../../identity/parse.js';
import type { WebhookRoute } from '../../../connectors/types.js';
import type { AppDeps } from '../../app.js';
import { allow, MANAGERS } from '../../auth.js';
import { actorOf } from './common.js';

/**
 * The stream connectors, which run in their own processes: their states, and the WhatsApp pairing — the QR
 * code to scan while one is pending, a pairing code for a phone number, a new pairing after a logout. Owners
 * and managers.
 */
export function channelsRoutes({ contacts, whatsappAccounts, webhooks }: AppDeps): Router {
  const router = Router();
  const managers = allow(MANAGERS);
  const { channels } = contacts;

  router.get('/api/channels', managers, async (_req, res) => {
    res.json({
      channels: await channels.statuses(),
      // The webhook channels: each enabled exactly when its secrets are set; for the others, what to set.
      webhooks: [
        ...webhooks.enabled.map(({ name, routes }) => ({ name, enabled: true, paths: webhookPaths(routes), setting: null })),
        ...webhooks.disabled.map(({ name, routes, reason }) => ({ name, enabled: false, paths: webhookPaths(routes), setting: reason })),
      ],
    });
  });

  router.get('/api/channels/whatsapp', managers, async (_req, res) => {
    const statuses = await channels.statuses('whatsapp');
    res.json({ accounts: await Promise.all(whatsappAccounts.map((name) => whatsappAccount(name, statuses))) });
  });

  router.get('/api/channels/whatsapp/:account', managers, async (req, res) => {
    res.json(await whatsappAccount(accountParam(req), await channels.statuses('whatsapp')));
  });

  router.get('/api/channels/whatsapp/:account/qr', managers, async (req, res) => {
    const account = accountParam(req);
    const pairing = pairingSchema.safeParse(await channels.read('whatsapp', account, PAIRING));
    const qr = pairing.success ? pairing.data.qr : undefined;
    if (!qr) {
      throw new ConflictError(`WhatsApp account ${account} has no pairing pending: it is linked, its process is not running, or it waits `
        + `for POST /api/channels/whatsapp/${account}/pairing`, { reason: 'not_pairing' });
    }
    // Loaded on the first QR asked for: most gateways never draw one, and the module costs 10 MB of memory.
    const { default: QRCode } = await import('qrcode');
    // A QR code lasts about 20 s before WhatsApp replaces it: never cached.
    res.set('Cache-Control', 'no-store').type('png').send(await QRCode.toBuffer(qr, { type: 'png', margin: 2, scale: 8 }));
  });

  router.post('/api/channels/whatsapp/:account/pairing', managers, async (req, res) => {
    const account = accountParam(req);
    const body = parseWith(pairingBodySchema, req.body ?? {});
    const [device, needsPairing] = await Promise.all([DEVICE, NEEDS_PAIRING].map((key) => channels.read('whatsapp', account, key)));
    if (deviceSchema.safeParse(device).success && !needsPairing) {
      throw new ConflictError(`WhatsApp account ${account} is linked: unlink it on the phone (Linked devices) before pairing it again`,
        { reason: 'linked' });
    }
    await channels.request(actorOf(req), 'whatsapp', account, PAIRING_REQUEST,
      { ...(body.phone ? { phone: body.phone } : {}), requestedAt: new Date().toISOString() });
    res.status(202).location(`/api/channels/whatsapp/${account}`).json({ account, requested: true, ...(body.phone ? { phone: body.phone } : {}) });
  });

  /** An account as the admin API shows it: its state, who it is linked to, and the pairing pending (without the QR's content). */
  async function whatsappAccount(name: string, statuses: Awaited<ReturnType<typeof channels.statuses>>) {
    const [pairing, device, needsPairing] = await Promise.all([PAIRING, DEVICE, NEEDS_PAIRING].map((key) => channels.read('whatsapp', name, key)));
    const pending = pairingSchema.safeParse(pairing);
    const linked = deviceSchema.safeParse(device);
    return {
      account: name,
      status: statuses.find((status) => status.account === name) ?? null,
      device: linked.success ? linked.data : null,
      needsPairing: needsPairing ?? null,
      pairing: pending.success ? { qr: pending.data.qr ? `/api/channels/whatsapp/${name}/qr` : null, code: pending.data.code ?? null,
        phone: pending.data.phone ?? null, error: pending.data.error ?? null, updatedAt: pending.data.updatedAt ?? null } : null,
    };
  }

  function accountParam(req: Request): string {
    const name = req.params.account;
    if (typeof name !== 'string' || !whatsappAccounts.includes(name)) {
      throw new NotFoundError(`no WhatsApp account ${JSON.stringify(name)} is configured (WHATSAPP_ACCOUNTS: ${whatsappAccounts.join(', ') || 'none'})`);
    }
    return name;
  }

  return router;
}

function webhookPaths(routes: readonly WebhookRoute[]): string[] {
  return [...new Set(routes.filter((route) => route.method !== 'OPTIONS').map((route) => route.path))];
}
