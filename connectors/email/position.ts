import { z } from 'zod';

/** How far a folder has been published: its UIDVALIDITY (a string: it is a 32-bit unsigned number) and the last UID. */
const positionSchema = z.object({ uidValidity: z.string(), lastUid: z.number().int().nonnegative() });
export type FolderPosition = z.infer<typeof positionSchema>;

/** The stored position read back through its schema; anything else means none (the folder is read from its start). */
export function folderPosition(stored: unknown): FolderPosition | undefined {
  const parsed = positionSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}
