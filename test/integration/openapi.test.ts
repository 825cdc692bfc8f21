import { expect } from 'chai';
import type { Express } from 'express';
import { startHarness, type Harness } from '../helpers/harness.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `/api` route the app serves, as "METHOD /path/{param}". */
function servedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          found.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.filter((route) => route.includes(' /api/') && route !== 'GET /api/openapi.json').sort();
}

describe('OpenAPI document', () => {
  let harness: Harness;
  before(async () => { harness = await startHarness({ resolvers: 0 }); });
  after(async () => harness.close());

  it('is served at /api/openapi.json without a key and lists exactly the routes the app serves', async () => {
    const response = await fetch(`${harness.baseUrl}/api/openapi.json`);
    expect(response.status).to.equal(200);
    const document = await response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).to.equal('3.1.0');
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)).sort();
    expect(documented).to.deep.equal(servedRoutes(harness.app));
  });
});
