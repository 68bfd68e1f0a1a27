import java.util.List;
import java.util.concurrent.CountDownLatch;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * mongo-java-server with its in-memory backend and its oplog enabled, so that
 * change streams work: the stand-in for a MongoDB replica set on machines
 * where no mongod can be installed. Data lives only as long as the process.
 *
 * <p>Started by scripts/services.sh. Settings come from the environment:
 * CDC_MONGO_HOST (127.0.0.1), CDC_MONGO_PORT (27017), and
 * CDC_MONGO_REPORTED_VERSION / CDC_MONGO_REPORTED_WIRE_VERSION.
 */
public final class CdcMongoServer {

    /**
     * The version the server reports in isMaster/buildInfo. mongo-java-server
     * 1.47.0's newest preset (MONGO_5_0) reports maxWireVersion 8, and the
     * Node.js driver 7.x refuses any server below wire version 9 (MongoDB 4.4)
     * before sending a single command. Reporting 4.4 / wire 9 only changes the
     * handshake: the backend behaves the same whatever version it reports.
     */
    private record ReportedVersion(List<Integer> versionArray, int wireVersion) implements MongoVersion {
        @Override
        public List<Integer> getVersionArray() {
            return versionArray;
        }

        @Override
        public int getWireVersion() {
            return wireVersion;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String host = env("CDC_MONGO_HOST", "127.0.0.1");
        int port = Integer.parseInt(env("CDC_MONGO_PORT", "27017"));
        List<Integer> version = parseVersion(env("CDC_MONGO_REPORTED_VERSION", "4.4.0"));
        int wireVersion = Integer.parseInt(env("CDC_MONGO_REPORTED_WIRE_VERSION", "9"));

        MemoryBackend backend = new MemoryBackend();
        backend.version(new ReportedVersion(version, wireVersion));
        MongoServer server = new MongoServer(backend);
        // Without the oplog, $changeStream fails; it must be on before any write.
        server.enableOplog();
        server.bind(host, port);
        System.err.printf("cdc-mongo: listening on %s:%d, reporting version %s wire %d, oplog enabled%n",
            host, port, version, wireVersion);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            stopped.countDown();
        }, "cdc-mongo-shutdown"));
        stopped.await();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static List<Integer> parseVersion(String text) {
        return java.util.Arrays.stream(text.split("\\.")).map(Integer::valueOf).toList();
    }
}
