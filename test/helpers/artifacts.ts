import { mkdirSync } from 'node:fs';

/** Where tests leave screenshots and measurements for a person to look at (not committed). */
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/** A path under `test-artifacts/`, whose folder exists once this returns (a fresh clone has none). */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return new URL(name, ARTIFACTS).pathname;
}
