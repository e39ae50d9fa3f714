package com.example.fileprocessor;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Parse and validate an S3 event notification before any work is done, exactly as the Python
 * function does ({@code src/file_processor/events.py}): the whole event is checked first, so a
 * malformed event throws {@link MalformedEventException} and nothing is read or written; the
 * {@code s3:TestEvent} S3 sends when a notification is configured parses as {@code null}.
 *
 * <p>The handler reads the raw JSON (it is a stream handler) so that validation and its messages
 * match the Python function's; each validated record is also built as the Lambda events library's
 * {@link S3EventNotification.S3EventNotificationRecord}, the typed S3 event shape.
 */
public final class Events {
    public static final String TEST_EVENT = "s3:TestEvent";
    public static final String OBJECT_CREATED_PREFIX = "ObjectCreated:";

    private Events() {}

    /**
     * One record of an S3 event notification, validated and with its key decoded.
     *
     * @param eventTime as sent (any JSON value; usually a string), or null
     * @param sequencer as sent (any JSON value; usually a string), or null
     * @param size the object size for {@code ObjectCreated:*} records, else null
     */
    public record ObjectEvent(
            Keys.ObjectRef ref,
            String eventName,
            JsonNode eventTime,
            Long size,
            JsonNode sequencer,
            S3EventNotification.S3EventNotificationRecord typed) {
        public boolean objectCreated() {
            return eventName.startsWith(OBJECT_CREATED_PREFIX);
        }
    }

    /** The records of an event and the events library's typed view of them. */
    public record Parsed(List<ObjectEvent> records, S3Event typed) {}

    public static boolean isTestEvent(JsonNode event) {
        return event != null && event.isObject() && event.path("Event").isTextual()
                && TEST_EVENT.equals(event.get("Event").textValue());
    }

    /** The records of an S3 event, or null for {@code s3:TestEvent}; MalformedEventException otherwise. */
    public static Parsed parse(JsonNode event) {
        if (isTestEvent(event)) {
            return null;
        }
        if (event == null || !event.isObject() || !event.path("Records").isArray()) {
            String shape;
            if (event != null && event.isObject()) {
                TreeSet<String> names = new TreeSet<>();
                event.fieldNames().forEachRemaining(names::add);
                shape = names.stream().limit(5).map(PyText::repr).collect(Collectors.joining(", ", "[", "]"));
            } else {
                shape = pyTypeName(event);
            }
            throw new MalformedEventException(
                    "not an S3 event notification: expected a 'Records' list, got " + shape);
        }
        JsonNode records = event.get("Records");
        if (records.isEmpty()) {
            throw new MalformedEventException("not an S3 event notification: 'Records' is empty");
        }
        List<ObjectEvent> parsed = new ArrayList<>(records.size());
        int index = 0;
        for (Iterator<JsonNode> it = records.elements(); it.hasNext(); index++) {
            JsonNode record = it.next();
            if (!record.isObject()) {
                throw new MalformedEventException(
                        "record " + index + ": expected an object, got " + pyTypeName(record));
            }
            parsed.add(record(index, record));
        }
        return new Parsed(List.copyOf(parsed),
                new S3Event(parsed.stream().map(ObjectEvent::typed).collect(Collectors.toList())));
    }

    /** Python's KeyError/TypeError when subscripting a JSON value, as the Python function reports it. */
    private static final class MissingField extends Exception {
        private static final long serialVersionUID = 1L;

        MissingField(String message) {
            super(message, null, false, false);
        }
    }

    private static JsonNode subscript(JsonNode node, String key) throws MissingField {
        if (node.isObject()) {
            if (!node.has(key)) {
                throw new MissingField(PyText.repr(key));
            }
            return node.get(key);
        }
        throw new MissingField(switch (pyTypeName(node)) {
            case "str" -> "string indices must be integers, not 'str'";
            case "list" -> "list indices must be integers or slices, not str";
            default -> "'" + pyTypeName(node) + "' object is not subscriptable";
        });
    }

    private static ObjectEvent record(int index, JsonNode record) {
        String where = "record " + index;
        JsonNode source = record.get("eventSource");
        if (source == null || !source.isTextual() || !"aws:s3".equals(source.textValue())) {
            throw new MalformedEventException(where + ": eventSource is " + pyRepr(source) + ", not 'aws:s3'");
        }
        JsonNode eventName;
        JsonNode bucket;
        JsonNode object;
        JsonNode rawKey;
        try {
            eventName = subscript(record, "eventName");
            JsonNode s3 = subscript(record, "s3");
            bucket = subscript(subscript(s3, "bucket"), "name");
            JsonNode tiering = s3.get("get_object"); // IntelligentTiering events name it so (Powertools does too)
            object = truthy(tiering) ? tiering : subscript(s3, "object");
            rawKey = subscript(object, "key");
        } catch (MissingField error) {
            throw new MalformedEventException(where + ": missing field " + error.getMessage());
        }
        if (!eventName.isTextual() || !bucket.isTextual() || bucket.textValue().isEmpty()) {
            throw new MalformedEventException(where + ": eventName and s3.bucket.name must be non-empty strings");
        }
        if (!rawKey.isTextual() || rawKey.textValue().isEmpty()) {
            throw new MalformedEventException(where + ": s3.object.key must be a non-empty string");
        }
        String key;
        try {
            key = Keys.decodeEventKey(rawKey.textValue());
        } catch (CharacterCodingException error) {
            throw new MalformedEventException(
                    where + ": s3.object.key " + PyText.repr(rawKey.textValue()) + " is not URL-encoded UTF-8");
        }
        String name = eventName.textValue();
        String etag = truthy(object.get("eTag")) ? text(object.get("eTag")) : "";
        String versionId = truthy(object.get("versionId")) ? text(object.get("versionId")) : null;
        Long size = null;
        if (name.startsWith(OBJECT_CREATED_PREFIX)) {
            BigInteger value = pyInt(object.get("size"));
            if (value == null) {
                throw new MalformedEventException(where + ": s3.object.size must be a whole number");
            }
            if (value.signum() < 0) {
                throw new MalformedEventException(where + ": s3.object.size must not be negative");
            }
            size = value.bitLength() < 64 ? value.longValue() : Long.MAX_VALUE;
            if (etag.isEmpty()) {
                throw new MalformedEventException(where + ": s3.object.eTag is required for " + name);
            }
        }
        JsonNode eventTime = record.get("eventTime");
        JsonNode sequencer = object.get("sequencer");
        return new ObjectEvent(
                new Keys.ObjectRef(bucket.textValue(), key, etag, versionId),
                name,
                eventTime == null || eventTime.isNull() ? null : eventTime,
                size,
                sequencer == null || sequencer.isNull() ? null : sequencer,
                typed(record, name, bucket.textValue(), rawKey.textValue(), size, etag, versionId, eventTime, sequencer));
    }

    private static S3EventNotification.S3EventNotificationRecord typed(
            JsonNode record, String eventName, String bucket, String rawKey, Long size, String etag,
            String versionId, JsonNode eventTime, JsonNode sequencer) {
        JsonNode s3 = record.get("s3");
        JsonNode bucketNode = s3.get("bucket");
        S3EventNotification.S3BucketEntity bucketEntity = new S3EventNotification.S3BucketEntity(
                bucket,
                new S3EventNotification.UserIdentityEntity(
                        optionalText(bucketNode.path("ownerIdentity").get("principalId"))),
                optionalText(bucketNode.get("arn")));
        S3EventNotification.S3ObjectEntity objectEntity = new S3EventNotification.S3ObjectEntity(
                rawKey, size, etag, versionId, sequencer == null || !sequencer.isTextual() ? null : sequencer.textValue());
        S3EventNotification.S3Entity entity = new S3EventNotification.S3Entity(
                optionalText(s3.get("configurationId")), bucketEntity, objectEntity,
                optionalText(s3.get("s3SchemaVersion")));
        String time = eventTime == null || !eventTime.isTextual() ? null : eventTime.textValue();
        try {
            return newRecord(record, eventName, time, entity);
        } catch (RuntimeException unparsableTime) {
            // The events library parses eventTime; the record keeps the value as sent either way.
            return newRecord(record, eventName, null, entity);
        }
    }

    private static S3EventNotification.S3EventNotificationRecord newRecord(
            JsonNode record, String eventName, String eventTime, S3EventNotification.S3Entity entity) {
        return new S3EventNotification.S3EventNotificationRecord(
                optionalText(record.get("awsRegion")),
                eventName,
                "aws:s3",
                eventTime,
                optionalText(record.get("eventVersion")),
                new S3EventNotification.RequestParametersEntity(
                        optionalText(record.path("requestParameters").get("sourceIPAddress"))),
                new S3EventNotification.ResponseElementsEntity(
                        optionalText(record.path("responseElements").get("x-amz-id-2")),
                        optionalText(record.path("responseElements").get("x-amz-request-id"))),
                entity,
                new S3EventNotification.UserIdentityEntity(
                        optionalText(record.path("userIdentity").get("principalId"))));
    }

    private static String optionalText(JsonNode node) {
        return node == null || !node.isTextual() ? null : node.textValue();
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.textValue() : node.toString();
    }

    /** Python truthiness of a JSON value (missing counts as None). */
    static boolean truthy(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return false;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.decimalValue().signum() != 0;
        }
        if (node.isTextual()) {
            return !node.textValue().isEmpty();
        }
        return !node.isEmpty();
    }

    /** Python's {@code int(value)} of a JSON value, or null where Python raises. */
    private static BigInteger pyInt(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? BigInteger.ONE : BigInteger.ZERO;
        }
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue();
        }
        if (node.isNumber()) {
            double value = node.doubleValue();
            return Double.isFinite(value) ? node.decimalValue().toBigInteger() : null;
        }
        if (node.isTextual()) {
            return PyText.parseInt(node.textValue());
        }
        return null;
    }

    static String pyTypeName(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "NoneType";
        }
        if (node.isObject()) {
            return "dict";
        }
        if (node.isArray()) {
            return "list";
        }
        if (node.isTextual()) {
            return "str";
        }
        if (node.isBoolean()) {
            return "bool";
        }
        if (node.isIntegralNumber()) {
            return "int";
        }
        return node.isNumber() ? "float" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String pyRepr(JsonNode node) {
        if (node == null || node.isNull()) {
            return "None";
        }
        if (node.isTextual()) {
            return PyText.repr(node.textValue());
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "True" : "False";
        }
        return node.toString();
    }
}
