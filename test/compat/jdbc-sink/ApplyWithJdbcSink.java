import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

import io.debezium.connector.jdbc.JdbcSinkConnectorTask;

/**
 * A consumer nobody in cdc wrote, driven the way Kafka Connect drives it: Kafka's JsonConverter
 * (schemas.enable=true) turns each record of `topic` into Connect data, and Debezium's JDBC sink
 * task applies them to a database. Only the Connect worker is left out (its REST layer is not in
 * Debezium Server's distribution); the task sees what a worker would hand it.
 *
 * Usage: ApplyWithJdbcSink <brokers> <topic> <record count> <jdbc url> <user> <table>
 */
public class ApplyWithJdbcSink {
    public static void main(String[] args) {
        String brokers = args[0], topic = args[1], url = args[3], user = args[4], table = args[5];
        int count = Integer.parseInt(args[2]);

        Properties cp = new Properties();
        cp.put("bootstrap.servers", brokers);
        cp.put("group.id", "jdbc-sink-" + UUID.randomUUID());
        cp.put("auto.offset.reset", "earliest");
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.subscribe(List.of(topic));
            long until = System.currentTimeMillis() + 60_000;
            while (records.size() < count && System.currentTimeMillis() < until) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        if (records.size() < count) throw new IllegalStateException("only " + records.size() + " of " + count + " records in " + topic);

        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        List<SinkRecord> batch = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            SchemaAndValue k = keys.toConnectData(topic, r.key());
            SchemaAndValue v = values.toConnectData(topic, r.value());
            batch.add(new SinkRecord(topic, r.partition(), k.schema(), k.value(), v.schema(), v.value(), r.offset()));
        }

        Map<String, String> props = new HashMap<>();
        props.put("name", "cdc-compat-jdbc-sink");
        props.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
        props.put("topics", topic);
        props.put("connection.url", url);
        props.put("connection.username", user);
        props.put("connection.password", "unused-trust-auth");
        props.put("insert.mode", "upsert");
        props.put("delete.enabled", "true");
        props.put("primary.key.mode", "record_key");
        props.put("schema.evolution", "none");
        props.put("collection.name.format", table);
        props.put("use.time.zone", "UTC");

        JdbcSinkConnectorTask task = new JdbcSinkConnectorTask();
        task.initialize(new Context(props));
        task.start(props);
        try {
            task.open(List.of(new TopicPartition(topic, 0)));
            task.put(batch);
            // A worker passes the consumer's position of every assigned partition.
            long next = records.get(records.size() - 1).offset() + 1;
            task.preCommit(new HashMap<>(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(next))));
            // The task keeps a failure to itself until asked (a worker would ask on the next put).
            if (task.getLastProcessingException() != null) throw new IllegalStateException("the JDBC sink failed", task.getLastProcessingException());
        } finally {
            task.stop();
        }
        System.out.println("applied " + batch.size() + " records");
    }

    /** What a worker gives a task; nothing here is used beyond configs(). */
    static final class Context implements SinkTaskContext {
        private final Map<String, String> configs;
        Context(Map<String, String> configs) { this.configs = configs; }
        public Map<String, String> configs() { return configs; }
        public void offset(Map<TopicPartition, Long> offsets) {}
        public void offset(TopicPartition tp, long offset) {}
        public void timeout(long timeoutMs) {}
        public Set<TopicPartition> assignment() { return Set.of(); }
        public void pause(TopicPartition... partitions) {}
        public void resume(TopicPartition... partitions) {}
        public void requestCommit() {}
        public PluginMetrics pluginMetrics() { return null; }
    }
}
