import type { Redis } from 'ioredis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * "Only one process streams this table": a key with a TTL, renewed in the background. A process
 * that dies (SIGKILL) leaves it to expire, so a standby takes over after at most `ttlMs`. Like any
 * lease it assumes no pause longer than the TTL; if that happens both processes may emit the
 * same changes, which at-least-once delivery (same event_id) already allows.
 */
export class Lease {
  private timer: NodeJS.Timeout | null = null;
  private held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {}

  /** True when this process holds the lease now (taken or renewed). */
  async acquire(): Promise<boolean> {
    const taken = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    this.held = taken || Number(await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs)) === 1;
    if (this.held && !this.timer) {
      this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
      this.timer.unref();
    }
    return this.held;
  }

  /** False once a renewal found the lease gone or taken by another process. */
  get valid(): boolean {
    return this.held;
  }

  private async renew(): Promise<void> {
    try {
      this.held = Number(await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs)) === 1;
    } catch {
      // Redis unreachable: keep the claim until the TTL says otherwise; reads fail meanwhile anyway.
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
    this.held = false;
  }
}
