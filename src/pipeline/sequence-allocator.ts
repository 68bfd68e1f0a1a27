import type { SequenceStore } from '../core/sequence-store.js';

/**
 * Hands out sequence_numbers for one table from blocks reserved in the SequenceStore, so the hot
 * path does one durable write per `blockSize` events instead of one per batch. A crash loses the
 * rest of the current block: numbers stay strictly increasing, with a gap.
 */
export class SequenceAllocator {
  private next = 0n;
  private limit = 0n; // exclusive

  constructor(
    private readonly store: SequenceStore,
    private readonly table: string,
    private readonly blockSize = 100_000,
  ) {}

  /** Returns the first of `count` consecutive numbers. */
  async take(count: number): Promise<bigint> {
    if (this.next + BigInt(count) > this.limit) {
      const size = Math.max(count, this.blockSize);
      this.next = await this.store.reserve(this.table, size);
      this.limit = this.next + BigInt(size);
    }
    const first = this.next;
    this.next += BigInt(count);
    return first;
  }
}
