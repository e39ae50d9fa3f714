package com.example.fileprocessor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The JSON record written for each processed object, field for field as the Python function writes
 * it ({@code src/file_processor/record.py}; schema {@code src/file_processor/record.schema.json},
 * {@code schemaVersion} 1). Pure functions: they take what was read and return the record.
 */
public final class Records {
    public static final int SCHEMA_VERSION = 1;
    public static final String SKIPPED_SIZE_EXCEEDS_LIMIT = "size_exceeds_limit";

    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** UTF-8 JSON, no insignificant whitespace, keys sorted (maps are TreeMaps; this sorts the rest). */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Records() {}

    /** UTC timestamp with second precision and a {@code Z} suffix (S3's Last-Modified has seconds). */
    public static String formatTimestamp(Instant value) {
        return SECONDS.format(value);
    }

    /** UTC timestamp with millisecond precision (truncated) and a {@code Z} suffix. */
    public static String formatInstant(Instant value) {
        return MILLIS.format(value);
    }

    /** Object size from a GetObject response: Content-Range's total for a ranged read, else the length. */
    public static long totalSize(GetObjectResponse response) {
        String range = response.contentRange();
        if (range != null && range.contains("/")) {
            String total = range.substring(range.lastIndexOf('/') + 1);
            if (!total.isEmpty() && total.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Long.parseLong(total);
            }
        }
        return response.contentLength() == null ? 0 : response.contentLength();
    }

    /** The {@code object} section from a GetObject response. */
    public static Map<String, Object> objectSection(GetObjectResponse response) {
        Map<String, Object> object = new TreeMap<>();
        object.put("size", totalSize(response));
        object.put("lastModified", response.lastModified() == null ? null : formatTimestamp(response.lastModified()));
        object.put("eTag", Keys.normalizeEtag(response.eTag() == null ? "" : response.eTag()));
        object.put("versionId", response.versionId());
        object.put("contentType", response.contentType());
        String storageClass = response.storageClassAsString();
        object.put("storageClass", storageClass == null || storageClass.isEmpty() ? "STANDARD" : storageClass);
        Map<String, Object> encryption = new TreeMap<>();
        encryption.put("algorithm", response.serverSideEncryptionAsString());
        encryption.put("kmsKeyId", response.ssekmsKeyId());
        encryption.put("bucketKeyEnabled", Boolean.TRUE.equals(response.bucketKeyEnabled()));
        object.put("encryption", encryption);
        object.put("metadata", new TreeMap<>(response.hasMetadata() ? response.metadata() : Map.of()));
        Map<String, Object> checksums = new TreeMap<>();
        putIfPresent(checksums, "CRC32", response.checksumCRC32());
        putIfPresent(checksums, "CRC32C", response.checksumCRC32C());
        putIfPresent(checksums, "CRC64NVME", response.checksumCRC64NVME());
        putIfPresent(checksums, "SHA1", response.checksumSHA1());
        putIfPresent(checksums, "SHA256", response.checksumSHA256());
        object.put("checksums", checksums);
        object.put("checksumType", response.checksumTypeAsString());
        return object;
    }

    private static void putIfPresent(Map<String, Object> map, String name, String value) {
        if (value != null && !value.isEmpty()) {
            map.put(name, value);
        }
    }

    public static Map<String, Object> typeSection(
            String contentType, Detect.Detection detection, String method, int sampleBytes) {
        Map<String, Object> type = new TreeMap<>();
        type.put("declared", Detect.normalizeContentType(contentType));
        if (detection == null) {
            type.put("detected", null);
        } else {
            Map<String, Object> detected = new TreeMap<>();
            detected.put("mimeType", detection.mimeType());
            detected.put("extension", detection.extension());
            detected.put("name", detection.name());
            type.put("detected", detected);
        }
        type.put("method", method);
        type.put("mismatch", Detect.isMismatch(contentType, detection));
        type.put("sampleBytes", sampleBytes);
        return type;
    }

    public static Map<String, Object> sha256Section(String digest, long limitBytes) {
        Map<String, Object> section = new TreeMap<>();
        section.put("status", digest == null ? "skipped" : "computed");
        section.put("hex", digest);
        section.put("reason", digest == null ? SKIPPED_SIZE_EXCEEDS_LIMIT : null);
        section.put("limitBytes", limitBytes);
        return section;
    }

    public static Map<String, Object> buildRecord(
            Events.ObjectEvent event,
            GetObjectResponse response,
            Detect.Detection detection,
            String method,
            int sampleBytes,
            String digest,
            long limitBytes,
            String requestId,
            Instant processedAt) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("bucket", event.ref().bucket());
        source.put("key", event.ref().key());
        source.put("versionId", event.ref().versionId());
        source.put("eTag", Keys.normalizeEtag(event.ref().etag()));
        source.put("sequencer", event.sequencer());
        source.put("eventName", event.eventName());
        source.put("eventTime", event.eventTime());
        Map<String, Object> record = new TreeMap<>();
        record.put("schemaVersion", SCHEMA_VERSION);
        record.put("source", new TreeMap<>(source));
        record.put("object", objectSection(response));
        record.put("type", typeSection(response.contentType(), detection, method, sampleBytes));
        record.put("sha256", sha256Section(digest, limitBytes));
        record.put("processedAt", formatInstant(processedAt));
        record.put("requestId", requestId);
        return record;
    }

    /** UTF-8 JSON with sorted keys and no insignificant whitespace; compare records parsed, not as bytes. */
    public static byte[] serialize(Map<String, Object> record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a record is always serialisable", e);
        }
    }
}
