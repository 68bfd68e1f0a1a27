import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.BsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Prints each document of a collection the way Debezium's MongoDB connector serialises it, with
 * the MongoDB Java driver Debezium Server ships: the key's id (RELAXED, Debezium's
 * getDocumentIdChangeStream) and the document (STRICT, Debezium's COMPACT_JSON_SETTINGS), one
 * tab-separated line per document in _id order. Settings as in Debezium's JsonSerialization.
 *
 * Usage: PrintAsDebezium <mongodb-url> <database> <collection>
 */
public class PrintAsDebezium {
    public static void main(String[] args) {
        JsonWriterSettings strict = JsonWriterSettings.builder().outputMode(JsonMode.STRICT).indent(true).indentCharacters("").newLineCharacters("").build();
        JsonWriterSettings relaxed = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).indent(true).indentCharacters("").newLineCharacters("").build();
        try (MongoClient client = MongoClients.create(args[0])) {
            for (BsonDocument doc : client.getDatabase(args[1]).getCollection(args[2], BsonDocument.class).find()) {
                String key = new BsonDocument("_id", doc.get("_id")).toJson(relaxed);
                System.out.println(key.substring(8, key.length() - 1) + "\t" + doc.toJson(strict));
            }
        }
    }
}
