import { MongoError, MongoServerError } from 'mongodb';
import { FatalCaptureError, TransientError, UserInputError } from '../../src/core/errors.js';
import { redactSecrets } from '../../src/logging.js';

/**
 * MongoDB failures that will not go away by retrying. The pipeline retries anything it does not
 * know to be permanent (src/core/retryable.ts), and the driver's codes are numbers it cannot know,
 * so the adapter turns these into our own error classes with a line that says what to do.
 */
const CODES = {
  unauthorized: 13,
  authenticationFailed: 18,
  /** "The $changeStream stage is only supported on replica sets" (a standalone mongod). */
  notReplicaSet: 40573,
  /** The resume point is no longer in the oplog. */
  changeStreamFatal: 280,
  changeStreamHistoryLost: 286,
} as const;

export function mongoCode(err: unknown): number | undefined {
  return err instanceof MongoServerError && typeof err.code === 'number' ? err.code : undefined;
}

/** The driver's message on one line, with any URL password masked. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message || err.name : String(err);
  return redactSecrets(msg.replace(/\s+/g, ' ').trim());
}

/**
 * Maps a driver error raised while working on `what` (e.g. "collection shop.users") to a
 * permanent error class when it is one; anything else is returned unchanged, for retry.
 */
export function classify(err: unknown, what: string): unknown {
  const code = mongoCode(err);
  if (code === CODES.unauthorized || code === CODES.authenticationFailed) {
    return new UserInputError(`${what}: not authorized (${oneLine(err)}); cdc needs read on the collection and readWrite on the URL's database`, { cause: err });
  }
  if (code === CODES.notReplicaSet) {
    return new UserInputError(
      `${what}: change streams need a replica set or sharded cluster (a standalone mongod has no oplog); see docs/mongodb-oplog.md`,
      { cause: err },
    );
  }
  if (code === CODES.changeStreamHistoryLost || code === CODES.changeStreamFatal) {
    return new FatalCaptureError(
      `${what}: the checkpoint's resume token is no longer in the oplog (${oneLine(err)}); changes were lost — ` +
        'enlarge the oplog, then uninstall-triggers and install-triggers the collection to start again from now',
      { cause: err },
    );
  }
  if (err instanceof MongoError && err.hasErrorLabel('ResumableChangeStreamError')) {
    return new TransientError(`${what}: ${oneLine(err)}`, { cause: err });
  }
  return err;
}
