// Readiness probe for the JVM services, using the same client libraries the
// project uses. An open port is not enough: a KRaft broker accepts TCP before
// it has caught up with its own metadata log, and a mongo server that speaks
// an unsupported wire version accepts TCP too.
//
// usage: node probe.mjs kafka|kafka-secure|mongo TIMEOUT_SECONDS [PID] [--change-stream]
// Exit 0 when the service answers; 1 on timeout; 2 when PID died; 3 on an
// error that retrying cannot fix; 4 when the secure listener refuses the SCRAM
// login (its users are missing). The last error goes to stderr on one line.
// kafka-secure reads CDC_PROBE_CA, CDC_PROBE_USER, CDC_PROBE_PASSWORD_FILE and
// CDC_PROBE_PORT (scripts/services/kafka/secure.sh sets them).
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import mongodb from 'mongodb';

const [service, timeoutArg, ...rest] = process.argv.slice(2);
const pid = rest.find((a) => /^\d+$/.test(a));
const checkChangeStream = rest.includes('--change-stream');
const deadline = Date.now() + Number(timeoutArg ?? 10) * 1000;

class Fatal extends Error {}
class LoginRefused extends Fatal {}

async function kafkaSecureAnswers() {
  const env = process.env;
  try {
    await kafkaAnswers([`127.0.0.1:${env.CDC_PROBE_PORT}`], {
      ssl: { ca: [readFileSync(env.CDC_PROBE_CA, 'utf8')] },
      sasl: {
        mechanism: 'scram-sha-512',
        username: env.CDC_PROBE_USER,
        password: readFileSync(env.CDC_PROBE_PASSWORD_FILE, 'utf8').trim(),
      },
    });
  } catch (err) {
    if (err?.name === 'KafkaJSSASLAuthenticationError') throw new LoginRefused(err.message);
    throw err;
  }
}

async function kafkaAnswers(brokers = ['127.0.0.1:9092'], security = {}) {
  const kafka = new kafkajs.Kafka({
    ...security,
    clientId: 'cdc-services-probe',
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no broker yet');
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

async function mongoAnswers() {
  const client = new mongodb.MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    if (checkChangeStream) await changeStreamWorks(client);
  } catch (err) {
    // The driver refuses servers outside its wire-version range; waiting won't help.
    if (/wire version/i.test(String(err?.message))) throw new Fatal(err.message);
    throw err;
  } finally {
    await client.close();
  }
}

async function changeStreamWorks(client) {
  const db = client.db('cdc_services_probe');
  const stream = db.collection('probe').watch();
  try {
    await stream.tryNext(); // sends the $changeStream aggregate before the insert
    await db.collection('probe').insertOne({ at: new Date() });
    const event = await Promise.race([
      stream.next(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no change event within 5s')), 5000)),
    ]);
    if (event?.operationType !== 'insert') throw new Fatal(`unexpected change event ${JSON.stringify(event)}`);
  } catch (err) {
    if (/oplog|replica|changeStream/i.test(String(err?.message))) throw new Fatal(`change streams unavailable: ${err.message}`);
    throw err;
  } finally {
    await stream.close();
    await db.dropDatabase().catch(() => {});
  }
}

function alive(p) {
  try {
    process.kill(Number(p), 0);
    return true;
  } catch {
    return false;
  }
}

const check = { kafka: () => kafkaAnswers(), 'kafka-secure': kafkaSecureAnswers, mongo: mongoAnswers }[service];
if (!check) {
  console.error(`probe: unknown service ${service}; expected kafka, kafka-secure or mongo`);
  process.exit(3);
}

let lastError = 'no attempt made';
for (;;) {
  try {
    await check();
    process.exit(0);
  } catch (err) {
    lastError = String(err?.message ?? err).replace(/\s+/g, ' ');
    if (err instanceof Fatal) {
      console.error(lastError);
      process.exit(err instanceof LoginRefused ? 4 : 3);
    }
  }
  if (pid && !alive(pid)) {
    console.error(`process ${pid} exited; last error: ${lastError}`);
    process.exit(2);
  }
  if (Date.now() >= deadline) {
    console.error(`timed out; last error: ${lastError}`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
