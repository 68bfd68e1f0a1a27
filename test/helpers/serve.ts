import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './cli.js';
import { KAFKA_BROKERS } from './kafka.js';

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

/** A free TCP port on 127.0.0.1 (the kernel picks; closed again before `cdc serve` binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway SQLite registry path in its own temporary directory. */
export function tempRegistry(): string {
  return join(mkdtempSync(join(tmpdir(), 'cdc-serve-')), 'registry.sqlite');
}

export async function createToken(registry: string, scope: 'read' | 'admin', env: Record<string, string> = {}): Promise<string> {
  const r = await runCli(['token', 'create', '--scope', scope, '--registry', registry], env);
  if (r.code !== 0) throw new Error(`cdc token create failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A real `cdc serve` child process on a free port, ready (its /healthz answers) when returned. */
export async function startServe(registry: string, extra: string[] = [], env: Record<string, string> = {}, probe?: string) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startCli(['serve', '--listen', `127.0.0.1:${port}`, '--registry', registry, '--kafka', KAFKA_BROKERS.join(','), '--reconcile-interval', '500', ...extra], env);
  // Generous: under a loaded shared machine, tsx start-up alone took over 30 s.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const up = await fetch(probe ?? `${base}/healthz`).then((r) => r.ok).catch(() => false);
    if (up) break;
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`cdc serve did not come up: ${proc.stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async (method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const payload = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.status, body, text };
  };
  return { base, port, api, proc, stop: () => proc.stop() };
}
