import type { ChangeEvent } from '../../core/change-event.js';
import type { TypedDocuments } from '../../core/typed-documents.js';
import type { ConnectSchema } from './connect-schema.js';
import { envelopeSchema } from './envelope-schema.js';
import { relaxedJson, strictJson } from './extended-json.js';
import { sourceBlock } from './source-block.js';
import { int64 } from './values.js';

const OP: Partial<Record<ChangeEvent['operation'], string>> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', SNAPSHOT: 'r', TRUNCATE: 't' };

/**
 * The MongoDB connector's envelope (docs/debezium-format.md, "MongoDB"): `before`/`after` as the
 * documents' Extended JSON text, `updateDescription` for updates, the Source block with the
 * change's cluster time (`ts_ms` its seconds, `ord` its increment), session and transaction
 * number, and the key `{"id": <_id in relaxed Extended JSON>}`. Field order as the connector's
 * MongoDbSchema builds it: there is no top-level ts_us/ts_ns here.
 */
export function mongoEnvelope(event: ChangeEvent, docs: TypedDocuments, name: string, transaction: unknown): Record<string, unknown> {
  const ud = docs.updateDescription;
  return {
    before: docs.before ? strictJson(docs.before) : null,
    after: docs.after ? strictJson(docs.after) : null,
    updateDescription: ud
      ? {
          removedFields: ud.removedFields,
          updatedFields: strictJson(ud.updatedFields),
          truncatedArrays: ud.truncatedArrays.length > 0 ? ud.truncatedArrays.map((t) => ({ field: t.field, size: t.newSize })) : null,
        }
      : null,
    source: mongoSource(event, docs, name),
    op: OP[event.operation],
    ts_ms: Date.now(),
    transaction,
  };
}

export function mongoKey(docs: TypedDocuments): Record<string, unknown> {
  return { id: relaxedJson(docs.id) };
}

function mongoSource(event: ChangeEvent, docs: TypedDocuments, name: string): Record<string, unknown> {
  const ms = BigInt(docs.clusterSeconds) * 1000n;
  return {
    ...sourceBlock(event, undefined, name),
    ts_ms: Number(ms),
    ts_us: int64(ms * 1000n),
    ts_ns: int64(ms * 1_000_000n),
    ord: docs.clusterIncrement,
    lsid: docs.lsid ? strictJson(docs.lsid) : null,
    txnNumber: docs.txnNumber === null ? null : int64(BigInt(docs.txnNumber)),
    wallTime: docs.wallTime,
  };
}

const json = (field: string): ConnectSchema => ({ type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1, field });

const UPDATE_DESCRIPTION: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'array', items: { type: 'string', optional: false }, optional: true, field: 'removedFields' },
    json('updatedFields'),
    {
      type: 'array',
      items: {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'field' },
          { type: 'int32', optional: false, field: 'size' },
        ],
        optional: false,
        name: 'io.debezium.connector.mongodb.changestream.truncatedarray',
        version: 1,
      },
      optional: true,
      field: 'truncatedArrays',
    },
  ],
  optional: true,
  name: 'io.debezium.connector.mongodb.changestream.updatedescription',
  version: 1,
  field: 'updateDescription',
};

/** The Envelope schema: the generic one's source and transaction structs, MongoDB's own fields around them. */
export function mongoEnvelopeSchema(recordName: string): ConnectSchema {
  const generic = envelopeSchema('mongodb', recordName, []);
  const field = (f: string) => generic.fields!.find((x) => x.field === f)!;
  return {
    type: 'struct',
    fields: [json('before'), json('after'), UPDATE_DESCRIPTION, field('source'), { type: 'string', optional: true, field: 'op' }, { type: 'int64', optional: true, field: 'ts_ms' }, field('transaction')],
    optional: false,
    name: `${recordName}.Envelope`,
  };
}

export function mongoKeySchema(recordName: string): ConnectSchema {
  return { type: 'struct', fields: [{ type: 'string', optional: false, field: 'id' }], optional: false, name: `${recordName}.Key` };
}
