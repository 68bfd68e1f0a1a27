import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../core/package-root.js';

/**
 * The page's only sources are this server: the page, its script and style, and uPlot (its chart).
 * No inline script or style, no other origin; the page's data comes from the API under /api/v1.
 */
const CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

interface Asset {
  url: string;
  file: string;
  type: string;
}

/**
 * `GET /`, cdc serve's read-only status page, and the files it loads. These are served without a
 * token: they hold no data. The page asks for a token once and reads sources and their status
 * from the authenticated API with it, so it shows nothing a token would not show through curl.
 */
export function registerStatusPage(app: FastifyInstance): void {
  // The page's files are not compiled: they live under src/ both when cdc runs from its sources
  // and from dist/, found from the package root.
  const pageDir = `${packageRoot(import.meta.url)}src/serve/status-page/`;
  // uPlot is served from its installed package, not copied into the repository.
  const require = createRequire(import.meta.url);
  const assets: Asset[] = [
    { url: '/', file: `${pageDir}index.html`, type: 'text/html; charset=utf-8' },
    { url: '/status-page/page.js', file: `${pageDir}page.js`, type: 'text/javascript; charset=utf-8' },
    { url: '/status-page/page.css', file: `${pageDir}page.css`, type: 'text/css; charset=utf-8' },
    { url: '/status-page/uplot.js', file: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
    { url: '/status-page/uplot.css', file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  ];
  // Browsers ask for one on every page; an empty answer rather than a 404 in their consoles.
  app.get('/favicon.ico', async (_req, reply) => void reply.code(204).send());
  for (const asset of assets) {
    // Read once at start-up: a missing file fails `cdc serve` at once rather than on first visit.
    const body = readFileSync(asset.file);
    app.get(asset.url, async (_req, reply) => {
      void reply
        .header('content-type', asset.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache');
      return body;
    });
  }
}
