import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { recordBusinessAddresses } from '../db/repositories/business-addresses.js';
import { businessAddressOf } from './identity/identity.js';

/**
 * Records the configured addresses (`BUSINESS_ADDRESSES`, every mailbox and its aliases) as the business's own
 * before the first batch, so a visitor who types the support address into a form is not taken for its owner.
 * Addresses that are neither an email address nor a phone number in E.164 are named in the log and skipped.
 */
export async function recordConfiguredAddresses(db: Db, configured: string[], logger: Logger): Promise<void> {
  const addresses = configured.flatMap((value) => {
    const address = businessAddressOf(value);
    if (!address) logger.warn({ value }, 'BUSINESS_ADDRESSES: not an email address or an E.164 number; skipped');
    return address ? [{ ...address, source: 'config' as const }] : [];
  });
  const known = await recordBusinessAddresses(db, addresses);
  logger.info({ count: known.size }, 'business addresses known');
}
