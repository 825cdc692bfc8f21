import { createHash } from 'node:crypto';

const ADJECTIVES = ['Amber', 'Bold', 'Brave', 'Bright', 'Calm', 'Clever', 'Cosmic', 'Crisp', 'Daring', 'Eager',
  'Fair', 'Gentle', 'Golden', 'Happy', 'Humble', 'Jolly', 'Keen', 'Kind', 'Lively', 'Lucky', 'Merry', 'Mighty',
  'Noble', 'Quiet', 'Quick', 'Rich', 'Rosy', 'Royal', 'Sunny', 'Swift', 'Tidy', 'Vivid', 'Warm', 'Wise', 'Witty',
  'Zesty'] as const;
const NOUNS = ['Badger', 'Birch', 'Breeze', 'Brook', 'Cedar', 'Comet', 'Coral', 'Crane', 'Dawn', 'Falcon', 'Fern',
  'Finch', 'Fox', 'Harbor', 'Heron', 'Key', 'Lark', 'Maple', 'Meadow', 'Moon', 'Oak', 'Otter', 'Pebble', 'Pine',
  'Puffin', 'Raven', 'Reef', 'River', 'Robin', 'Sparrow', 'Star', 'Stone', 'Tide', 'Willow', 'Wren', 'Yarrow'] as const;

/**
 * A friendly "Adjective Noun" name for a sender who gave none ("Rich Key"), derived from the identity so
 * the same sender always gets the same name.
 */
export function friendlyName(identityKey: string): string {
  const hash = createHash('sha256').update(identityKey).digest();
  return `${ADJECTIVES[hash.readUInt32BE(0) % ADJECTIVES.length]} ${NOUNS[hash.readUInt32BE(4) % NOUNS.length]}`;
}
