import type { CaptureMode } from './change-event.js';

/** The durable state of one captured table, as stored next to the data it describes. */
export interface Checkpoint {
  table: string;
  mode: CaptureMode;
  /** Adapter-owned, opaque outside it. */
  position: string | null;
  updatedAt: Date | null;
}

/**
 * Hands out sequence_numbers that increase strictly per table, across restarts and crashes and
 * across capture-mode switches. Numbers are reserved in blocks; a crash skips the rest of a block,
 * so sequence numbers may have gaps but never repeat or go backwards.
 */
export interface SequenceStore {
  /** Durably reserves `count` numbers for `table`, returning the first. */
  reserve(table: string, count: number): Promise<bigint>;
}
