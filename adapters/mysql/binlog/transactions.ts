import type { BinlogCoord } from './position.js';

/** One row change as zongji decoded it, before the canonical mapping (types/binlog-decoder.ts). */
export interface RawChange {
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Source time of the row event, ms since the epoch (the binlog has whole seconds). */
  ts: number;
}

/** A committed transaction's row changes of captured tables, in binlog order. */
export interface BinlogTransaction {
  /** The boundary before the transaction: reading from here replays it whole. */
  start: BinlogCoord;
  /** End of its commit event: the transaction's identity in change keys. */
  end: BinlogCoord;
  /** MariaDB `domain-server-seq` or MySQL `uuid:n`; null without GTIDs. */
  gtid: string | null;
  xid: string | null;
  /** Source time of the commit event, ms since the epoch. */
  ts: number;
  changes: RawChange[];
}

/** The binlog events the assembler cares about, already told apart by the reader. */
export type BinlogInput =
  | { kind: 'rotate'; file: string; pos: number }
  /** A GTID event; `begins` when it opens a transaction (MariaDB non-standalone groups). */
  | { kind: 'gtid'; gtid: string | null; begins: boolean }
  | { kind: 'begin' }
  | { kind: 'rows'; changes: RawChange[] }
  | { kind: 'commit'; end: number; xid: string | null; ts: number }
  | { kind: 'rollback'; end: number }
  | { kind: 'xa-prepare'; end: number }
  /** Anything else with its end offset (0 when the server did not stamp it): DDL, checkpoints, … */
  | { kind: 'event'; end: number };

export interface AssemblerOutput {
  transaction(tx: BinlogTransaction): void;
  /** A transaction shape cdc cannot capture correctly (XA); the reader stops on it. */
  unsupported(message: string): void;
  /** Rows of a rolled-back group: only non-transactional tables leave those (docs/mysql-binlog.md). */
  rolledBack(changes: RawChange[]): void;
}

/**
 * Groups binlog events into committed transactions and tracks the last transaction boundary — the
 * only kind of position from which reading may restart, because a row event needs the TableMap
 * events written before it in the same transaction (zongji silently skips rows of an unknown
 * table id). Rows are held until the commit (XID, or COMMIT for non-transactional groups): ROW
 * format with InnoDB never writes a rolled-back transaction, but a group ending in ROLLBACK exists
 * for non-transactional tables and its rows are reported, not emitted.
 */
export class TransactionAssembler {
  private open: { start: BinlogCoord; gtid: string | null; changes: RawChange[] } | null = null;
  private pendingGtid: string | null = null;
  private boundary: BinlogCoord;

  constructor(
    start: BinlogCoord,
    private readonly out: AssemblerOutput,
  ) {
    this.boundary = start;
  }

  /** The last transaction boundary seen: every event before it has been fully processed. */
  get position(): BinlogCoord {
    return this.boundary;
  }

  get inTransaction(): boolean {
    return this.open !== null;
  }

  push(e: BinlogInput): void {
    switch (e.kind) {
      case 'rotate':
        // Only between transactions (a file never splits one); the artificial rotate at dump start
        // names the requested coordinate.
        this.open = null;
        this.boundary = { file: e.file, pos: e.pos };
        return;
      case 'gtid':
        this.pendingGtid = e.gtid;
        if (e.begins) this.begin();
        return;
      case 'begin':
        this.begin();
        return;
      case 'rows':
        if (!this.open) this.begin();
        this.open!.changes.push(...e.changes);
        return;
      case 'commit':
        this.finish(e.end, (tx) => this.out.transaction({ ...tx, xid: e.xid, ts: e.ts }));
        return;
      case 'rollback':
        this.finish(e.end, (tx) => tx.changes.length > 0 && this.out.rolledBack(tx.changes));
        return;
      case 'xa-prepare':
        this.finish(e.end, (tx) => {
          if (tx.changes.length > 0) this.out.unsupported(`XA transaction ${tx.gtid ?? ''} changed captured rows; XA is not supported in binlog mode`);
        });
        return;
      case 'event':
        // A DDL or bookkeeping event between transactions is a boundary of its own. Inside a
        // transaction with rows (SAVEPOINT and the like) it is not.
        if (this.open && this.open.changes.length > 0) return;
        this.open = null;
        this.advance(e.end);
        return;
    }
  }

  private begin(): void {
    this.open = { start: this.boundary, gtid: this.pendingGtid, changes: [] };
  }

  private finish(end: number, emit: (tx: Omit<BinlogTransaction, 'xid' | 'ts'>) => void): void {
    const open = this.open ?? { start: this.boundary, gtid: this.pendingGtid, changes: [] };
    this.open = null;
    this.pendingGtid = null;
    const endCoord = { file: this.boundary.file, pos: end };
    this.advance(end);
    emit({ start: open.start, end: endCoord, gtid: open.gtid, changes: open.changes });
  }

  /** Moves the boundary forward within the current file; 0 (unstamped) and stale offsets are ignored. */
  private advance(end: number): void {
    if (end > this.boundary.pos) this.boundary = { file: this.boundary.file, pos: end };
  }
}
