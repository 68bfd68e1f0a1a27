import type { Writable } from 'node:stream';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { FatalCaptureError, ValueLimitError } from '../../src/core/errors.js';
import { deadLetterRecord, describeRejected, type EventEncoder, type Sink } from '../../src/core/sink.js';

export interface StdoutSinkOptions {
  /**
   * A change that cannot be an event (undecodable or unencodable value): `stop` halts the table
   * with an error naming table, key and position; `dead-letter` writes one JSON record for it to
   * `deadLetters` (stderr by default) and goes on. The same policy key as Kafka's on_oversize.
   */
  onUndeliverable?: 'stop' | 'dead-letter';
  deadLetters?: Writable;
}

/**
 * Writes one encoded event per line (JSONL) to a stream, stdout by default. write() resolves when
 * the stream has accepted the bytes, which is the strongest acknowledgement a pipe gives.
 */
export class StdoutSink implements Sink {
  constructor(
    private readonly encode: EventEncoder,
    private readonly out: Writable = process.stdout,
    private readonly options: StdoutSinkOptions = {},
  ) {}

  private closedBy: Error | null = null;
  private readonly onStreamError = (err: Error) => {
    this.closedBy ??= err;
  };

  async open(): Promise<void> {
    // `cdc run | head`: once the reader exits, writes fail with EPIPE and the stream emits
    // 'error', which unhandled crashed the process with a stack trace.
    this.out.on('error', this.onStreamError);
  }

  async write(events: ChangeEvent[]): Promise<void> {
    const lines: string[] = [];
    for (const e of events) {
      try {
        lines.push(this.encode(e).value.toString('utf8'));
      } catch (err) {
        if (!(err instanceof RangeError || err instanceof ValueLimitError)) throw err;
        await this.flush(lines);
        lines.length = 0;
        await this.reject(e, err.message);
      }
    }
    await this.flush(lines);
  }

  async reject(event: ChangeEvent, reason: string): Promise<void> {
    if ((this.options.onUndeliverable ?? 'stop') === 'stop') {
      throw new FatalCaptureError(`${describeRejected(event, reason)}; run with --on-oversize dead-letter to skip it`);
    }
    const record = deadLetterRecord(event, { error: 'undeliverable', reason });
    await writeTo(this.options.deadLetters ?? process.stderr, JSON.stringify(record) + '\n');
  }

  private async flush(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.closedBy) throw closedError(this.closedBy);
    try {
      await writeTo(this.out, lines.join('\n') + '\n');
    } catch (err) {
      throw closedError(err as Error);
    }
  }

  async close(): Promise<void> {
    this.out.off('error', this.onStreamError);
    // Late errors of a stream whose reader has gone are noise now.
    if (this.closedBy) this.out.on('error', () => undefined);
  }
}

/**
 * The output is gone (EPIPE: the reader exited) or broken: not retryable, so the service stops
 * with one line. The batch was not acknowledged, so its changes stay in the change log for the
 * next run: nothing is lost.
 */
function closedError(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END') {
    return new FatalCaptureError('the output was closed by its reader (EPIPE); stopped, undelivered changes stay captured for the next run', { cause: err });
  }
  return err;
}

function writeTo(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
