import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerJob, WorkerResult } from '../workers/pipeline-worker.js';
import { summarizeProfiles, type ProfileSummary } from './profile.js';

const WORKER = fileURLToPath(new URL('../workers/pipeline-worker.ts', import.meta.url));

export interface RunningWorker {
  /** Resolves when the worker process is up and polling (serve mode). */
  ready: Promise<void>;
  /** SIGTERM (serve) and the result. */
  stop(): Promise<WorkerResult>;
  done: Promise<WorkerResult>;
}

/** Starts the pipeline worker in its own process; `profile` adds `--cpu-prof` and summarizes it. */
export function startWorker(job: Omit<WorkerJob, 'out'>, opts: { profile?: boolean; timeoutMs?: number } = {}): RunningWorker & {
  profile: () => ProfileSummary | null;
} {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-bench-'));
  const out = join(dir, 'result.json');
  const flags = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'prof')}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', WORKER, JSON.stringify({ ...job, out })], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 40 * 60_000);
  const done = new Promise<WorkerResult>((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`pipeline worker (${job.mode}) exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
        const result = JSON.parse(readFileSync(out, 'utf8')) as WorkerResult;
        if (result.error) throw new Error(`pipeline worker (${job.mode}): ${result.error}`);
        resolve(result);
      } catch (err) {
        reject(err);
      }
    });
  });
  let profile: ProfileSummary | null = null;
  const finished = done.then(
    (r) => {
      if (opts.profile) profile = summarizeProfiles(join(dir, 'prof'));
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
    (err) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    },
  );
  return {
    ready,
    done: finished,
    stop: () => {
      child.kill('SIGTERM');
      return finished;
    },
    profile: () => profile,
  };
}

export async function runWorker(job: Omit<WorkerJob, 'out'>, opts: { profile?: boolean; timeoutMs?: number } = {}) {
  const w = startWorker(job, opts);
  const result = await w.done;
  return { result, profile: w.profile() };
}
