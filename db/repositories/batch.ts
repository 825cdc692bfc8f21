import { query, withCtes, type Transaction } from '../sql.js';
import { inboundUpdateCtes, type InboundContactUpdate } from './contacts.js';
import { blockedDropCtes, interactionCtes, type DropDelta, type InteractionDelta } from './interactions.js';
import { learntAddressesCte, type BusinessAddress } from './business-addresses.js';
import { ledgerEntries, processedCte, processedLookupCte, type LedgerEntry, type LedgerRow } from './ledger.js';
import { flagDuplicates, pointCtes, type AddedPoint, type ContactPointRow, type FlaggedDuplicate } from './suggestions.js';

/**
 * What the resolver reads first for a batch, in one statement: the ledger entries of its envelope ids (which were
 * processed already), and the business's own addresses, after recording the ones its messages arrived on.
 */
export async function openBatch(trx: Transaction, envelopeIds: string[], addresses: BusinessAddress[]):
  Promise<{ ledger: Map<string, LedgerEntry>; business: Set<string> }> {
  const { text, params } = withCtes('batch.open', [learntAddressesCte(addresses), processedLookupCte(envelopeIds)]);
  const [row] = await query<{ known: string[]; processed: LedgerRow[] }>(trx, text, params);
  return { ledger: ledgerEntries(row!.processed), business: new Set(row!.known) };
}

/** What a resolved batch writes once its messages are matched to contacts. */
export interface BatchWrites {
  updates: InboundContactUpdate[];
  interactions: InteractionDelta[];
  drops: DropDelta[];
  points: ContactPointRow[];
  /** Every fresh envelope of the batch, resolved or dropped. */
  processed: LedgerEntry[];
}

/**
 * The resolver's writes for a batch in one statement (contact fields, interaction and drop counters, contact
 * points, the ledger: tables none of the others reads), then the duplicate flags the new points raise, which
 * must see those points and so are a statement of their own. Returns how many envelopes this transaction
 * recorded in the ledger (fewer than given: another transaction recorded one first) and what it flagged.
 * One round trip where there were four to six: at moderate rates a batch costs per statement, not per message.
 */
export async function writeBatch(trx: Transaction, writes: BatchWrites, at: Date):
  Promise<{ recorded: number; flagged: FlaggedDuplicate[] }> {
  const { text, params } = withCtes('batch.write', [
    ...inboundUpdateCtes(writes.updates, at),
    ...interactionCtes(writes.interactions),
    ...blockedDropCtes(writes.drops),
    ...pointCtes(writes.points, at),
    processedCte(writes.processed, at),
  ]);
  const [row] = await query<{ recorded: number; added?: AddedPoint[] }>(trx, text, params);
  return { recorded: row!.recorded, flagged: await flagDuplicates(trx, row!.added ?? [], at) };
}
