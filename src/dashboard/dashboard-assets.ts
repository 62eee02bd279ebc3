import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** URL prefix of the dashboard's scripts, styles and vendored libraries; the page itself is served at `/`. */
export const DASHBOARD_PREFIX = '/dashboard/';

/**
 * Where `npm run build` puts the compiled dashboard: dist/dashboard, next to dist/src where this file runs from.
 * A build made with `nest build` alone has no dashboard; the page then says how to build it.
 */
export function dashboardDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');
}

/** The page, read once at start-up, or undefined when the dashboard was not built. */
export function readDashboardPage(): string | undefined {
  const file = join(dashboardDir(), 'index.html');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Static files of the dashboard. Mounted under one prefix, so API requests never touch the file system. uPlot is
 * served from its npm package (one pinned version, no copy in the repository); the Socket.IO client comes from the
 * Socket.IO server itself (/socket.io/socket.io.esm.min.js), so it always matches the server's version.
 */
export function mountDashboardAssets(app: NestExpressApplication): void {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));
  const options = { index: false, fallthrough: true, maxAge: '1h' } as const;
  app.useStaticAssets(uplotDir, { ...options, prefix: `${DASHBOARD_PREFIX}vendor/` });
  app.useStaticAssets(dashboardDir(), { ...options, prefix: DASHBOARD_PREFIX, maxAge: 0 });
}
