import type { StreamItem } from './assembler.js';

/**
 * Decoded stream items waiting for the pipeline's next read. `push` blocks (the library then
 * pauses the socket, and TCP the walsender) while `limit` changes are waiting, so a backlog of
 * millions of changes streams through a bounded amount of memory.
 */
export class ItemQueue {
  private items: StreamItem[] = [];
  private head = 0;
  private changes = 0;
  private space: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  async push(item: StreamItem): Promise<void> {
    while (this.changes >= this.limit) await new Promise<void>((resolve) => (this.space = resolve));
    this.items.push(item);
    if (item.kind === 'change') this.changes++;
  }

  peek(): StreamItem | undefined {
    return this.items[this.head];
  }

  shift(): StreamItem | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as never;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (item.kind === 'change') this.changes--;
    if (this.changes < this.limit && this.space) {
      const wake = this.space;
      this.space = null;
      wake();
    }
    return item;
  }

  /** Drops everything and releases a blocked producer (the stream it belongs to is being discarded). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.changes = 0;
    const wake = this.space;
    this.space = null;
    wake?.();
  }
}
