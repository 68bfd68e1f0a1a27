/**
 * Hands out sequence_numbers that increase strictly per table, across restarts and crashes and
 * across capture-mode switches. Numbers are reserved in blocks; a crash skips the rest of a block,
 * so sequence numbers may have gaps but never repeat or go backwards.
 */
export interface SequenceStore {
  /** Durably reserves `count` numbers for `table`, returning the first. */
  reserve(table: string, count: number): Promise<bigint>;
}
