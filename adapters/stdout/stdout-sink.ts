import type { Writable } from 'node:stream';
import type { ChangeEvent } from '../../src/core/change-event';
import type { EventEncoder, Sink } from '../../src/core/sink';

/**
 * Writes one encoded event per line (JSONL) to a stream, stdout by default. write() resolves when
 * the stream has accepted the bytes, which is the strongest acknowledgement a pipe gives.
 */
export class StdoutSink implements Sink {
  constructor(
    private readonly encode: EventEncoder,
    private readonly out: Writable = process.stdout,
  ) {}

  async open(): Promise<void> {}

  write(events: ChangeEvent[]): Promise<void> {
    const lines = events.map((e) => this.encode(e).value.toString('utf8')).join('\n') + '\n';
    return new Promise((resolve, reject) => {
      this.out.write(lines, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {}
}
