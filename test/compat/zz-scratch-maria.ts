import { captureMariadbWithDebezium, readRawTopic } from '/work/wt-dbz/test/compat/debezium-server';
import { goldenMariadb, applyMariadbChanges } from '/work/wt-dbz/test/compat/golden-mariadb';
import { uniqueId } from '/work/wt-dbz/test/helpers/kafka';
const db = await goldenMariadb();
const prefix = uniqueId('dbz');
const records = await captureMariadbWithDebezium({ host: '127.0.0.1', port: 3306, db: db.name, table: 'dbz_types', topicPrefix: prefix, count: 9, extra: { 'provide.transaction.metadata': 'true' },
  changes: async () => { await applyMariadbChanges(db); await db.exec('BEGIN'); await db.exec('INSERT INTO dbz_types (id) VALUES (10)'); await db.exec('INSERT INTO dbz_types (id) VALUES (11)'); await db.exec('COMMIT'); } });
for (const r of records) console.log('DATA', r.key, JSON.stringify(JSON.parse(r.value ?? 'null')?.payload?.transaction ?? null), JSON.stringify(JSON.parse(r.value ?? 'null')?.payload?.source ?? null));
const tx = await readRawTopic(`${prefix}.transaction`, 12, 20000).catch((e) => { console.log(String(e)); return []; });
for (const r of tx) console.log('TX', r.key, r.value);
process.exit(0);
