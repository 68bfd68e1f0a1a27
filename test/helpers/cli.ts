import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/cdc.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cdc <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cdc ${args.join(' ')} timed out after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running `cdc run`; the caller stops it with stop()/kill(). */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    /** SIGTERM and wait for the exit code. */
    async stop(timeoutMs = 20_000): Promise<number | null> {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill(): Promise<void> {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs `cdc <args>` in the background for the duration of `body`, then stops it with SIGTERM and
 * requires a clean exit (0). If `body` fails, the service's stderr tail is added to the error so
 * the cause is visible.
 */
export async function withCdcRun<T>(args: string[], body: (run: ReturnType<typeof startCli>) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const run = startCli(args, env);
  let result: T;
  try {
    result = await body(run);
  } catch (err) {
    await run.stop();
    const e = err as Error;
    e.message = `${e.message}\n--- cdc run stderr (tail) ---\n${run.stderr.slice(-3000)}`;
    throw e;
  }
  const code = await run.stop();
  if (code !== 0) throw new Error(`cdc run exited ${code} on SIGTERM, expected 0\n${run.stderr.slice(-3000)}`);
  return result;
}
