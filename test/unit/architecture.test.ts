import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * Which folder may import which. Arrows point one way: gateway → contacts → db; resolvers → contacts/db;
 * connectors see only the vocabulary and configuration; everything may use `identity/` and `config/`;
 * nothing imports the gateway or the stream processes; the admin console imports nothing of ours. An entry naming a file (`db/client.ts`) allows that file alone.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  identity: [],
  config: ['identity'],
  db: ['config', 'identity'],
  contacts: ['db', 'config', 'identity'],
  connectors: ['config', 'identity'],
  runtime: ['connectors', 'config', 'identity'],
  resolvers: ['contacts', 'db', 'runtime', 'connectors/envelope.ts', 'config', 'identity'],
  gateway: ['contacts', 'connectors', 'runtime', 'db/client.ts', 'config', 'identity'],
  /** The stream processes' entry points: each wires its connectors to Kafka, the supervisor and their state store. */
  streams: ['connectors', 'runtime', 'db', 'config', 'identity'],
  /** The admin console runs in the browser and talks to the server through /api only. */
  admin: [],
};

/** npm packages that belong to one layer: HTTP frameworks to the gateway, database drivers below the domain. */
const PACKAGES_ONLY_IN: Record<string, readonly string[]> = {
  express: ['gateway'],
  pg: ['db'],
};

interface SourceFile {
  /** Path from the project root, e.g. `gateway/app.ts`. */
  path: string;
  text: string;
}

/** Every import, re-export and dynamic import a file makes, as written. */
export function importsOf(text: string): string[] {
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...text.matchAll(pattern)].map((match) => match[1] ?? match[2]!);
}

/** Each import that breaks the rules above, as `from → to`. */
export function violations(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const layer = file.path.split('/')[0]!;
    const allowed = MAY_IMPORT[layer];
    if (!allowed) continue;
    for (const specifier of importsOf(file.text)) {
      if (!specifier.startsWith('.')) {
        const owners = PACKAGES_ONLY_IN[specifier.split('/')[0]!];
        if (owners && !owners.includes(layer)) found.push(`${file.path} → ${specifier} (only ${owners.join(', ')} may use it)`);
        continue;
      }
      const target = normalize(join(dirname(file.path), specifier)).replace(/\.js$/, '.ts');
      const targetLayer = target.split('/')[0]!;
      if (targetLayer === layer) continue;
      if (!allowed.some((entry) => entry === targetLayer || entry === target)) found.push(`${file.path} → ${target}`);
    }
  }
  return found;
}

function productFiles(root: string): SourceFile[] {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? (entry.name === 'dist' ? [] : walk(join(dir, entry.name)))
      : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : []);
  return Object.keys(MAY_IMPORT).flatMap((layer) => walk(join(root, layer)))
    .map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') }));
}

describe('the architecture', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

  it('has no import against the direction of the arrows', () => {
    expect(violations(productFiles(root))).to.deep.equal([]);
  });

  it('reads every layer it has rules for', () => {
    const layers = new Set(productFiles(root).map((file) => file.path.split('/')[0]));
    expect([...layers].sort()).to.deep.equal(Object.keys(MAY_IMPORT).sort());
  });

  describe('the rule checker itself', () => {
    it('finds static, type-only, re-exported and dynamic imports', () => {
      const text = [`import { a } from './a.js';`, `import type { B } from '../b/b.js';`, `export { c } from "./c.js";`,
        `const d = await import('../d.js');`, `import './side-effect.js';`].join('\n');
      expect(importsOf(text)).to.deep.equal(['./a.js', '../b/b.js', './c.js', '../d.js', './side-effect.js']);
    });
    it('reports storage that imports the gateway, and a connector that imports express or the database', () => {
      expect(violations([
        { path: 'db/repositories/x.ts', text: `import { createApp } from '../../gateway/app.js';` },
        { path: 'connectors/x/connector.ts', text: `import express from 'express';\nimport { query } from '../../db/sql.js';` },
        { path: 'gateway/routes/x.ts', text: `import { query } from '../../db/sql.js';\nimport type { Db } from '../../db/client.js';` },
      ])).to.deep.equal([
        'db/repositories/x.ts → gateway/app.ts',
        'connectors/x/connector.ts → express (only gateway may use it)',
        'connectors/x/connector.ts → db/sql.ts',
        'gateway/routes/x.ts → db/sql.ts',
      ]);
    });
  });
});
