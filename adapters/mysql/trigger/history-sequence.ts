import type { IdRange } from './position.js';

/** A run of log ids to keep, and the sequence_number its first id's event carried. */
export interface NumberedRange {
  first: bigint;
  last: bigint;
  firstSequence: bigint;
}

/**
 * The batch's events were numbered in id order: the k-th id of the batch (k from 0) carried
 * `firstSequence + k`. `original` are the batch's runs (position.ts compressIds); `remaining` are
 * runs still to keep, each inside one original run (a retried ack keeps only the rows still in
 * the log). Runs are consecutive ids, so within a run the number grows with the id.
 */
export function numberRanges(original: readonly IdRange[], remaining: readonly IdRange[], firstSequence: bigint): NumberedRange[] {
  const starts: bigint[] = [];
  let offset = 0n;
  for (const [a, b] of original) {
    starts.push(offset);
    offset += b - a + 1n;
  }
  return remaining.map(([first, last]) => {
    const i = original.findIndex(([a, b]) => first >= a && last <= b);
    if (i < 0) throw new Error(`log ids ${first}..${last} are not part of the acknowledged batch`);
    return { first, last, firstSequence: firstSequence + starts[i]! + (first - original[i]![0]) };
  });
}
