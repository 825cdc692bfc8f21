import { z } from 'zod';
import { connectorStateStore, listConnectorValues } from '../db/repositories/connector-state.js';
import type { Actor, ContactsContext } from './change.js';

/** A stream connector is reported on every 30 s while its process runs; three missed reports and it is shown as stale. */
const STALE_AFTER_MS = 90_000;

const statusSchema = z.looseObject({ state: z.string(), since: z.string(), reportedAt: z.string().optional() });

export interface ChannelStatus {
  connector: string;
  account: string;
  state: string;
  since: string;
  /** The last time its process confirmed the state. */
  reportedAt: string;
  /** No process has confirmed the state for a while: the process that ran it died or was removed. */
  stale: boolean;
  [detail: string]: unknown;
}

/**
 * The stream connectors (IMAP mailboxes, WhatsApp numbers) as the admin API shows them: the state each one's
 * process last recorded, and what a person asks of them (a new WhatsApp pairing), audited. They run in their
 * own processes; this side reads and writes their `connector_state`, which they watch.
 */
export function channelOperations({ db, run, clock }: ContactsContext) {
  return {
    async statuses(connector?: string): Promise<ChannelStatus[]> {
      const rows = await listConnectorValues(db, 'status');
      return rows.filter((row) => !connector || row.connector === connector).flatMap((row) => {
        const parsed = statusSchema.safeParse(row.value);
        if (!parsed.success) return [];
        const reportedAt = parsed.data.reportedAt ?? row.updatedAt.toISOString();
        const stale = parsed.data.state !== 'stopped' && clock().getTime() - Date.parse(reportedAt) > STALE_AFTER_MS;
        return [{ ...parsed.data, connector: row.connector, account: row.account, reportedAt, stale }];
      });
    },
    /** One key of one connector's state, as it stored it. */
    read: (connector: string, account: string, key: string) => connectorStateStore(db, connector, account).get(key),
    /** Writes one key of a connector's state for it to act on, with an audit entry saying who asked. */
    request: (actor: Actor, connector: string, account: string, key: string, value: unknown) => run(actor, async (ctx) => {
      await connectorStateStore(ctx.trx, connector, account).set({ [key]: value });
      ctx.audit({ action: `${connector}.${key}`, targetType: 'channel', targetId: `${connector}/${account}`, after: value });
    }),
  };
}
