package com.example.fileprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The pure parts of the contract, against the shared vectors: keys, events, configuration, detection. */
class ContractTest {
    static Stream<Arguments> keyVectors() {
        JsonNode keys = Vectors.read("tests/vectors/results_keys.json");
        return StreamSupport.stream(keys.get("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), keys.get("prefix").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyVectors")
    void resultsKeyMatchesSharedVector(String name, String prefix, JsonNode c) throws Exception {
        String key = Keys.decodeEventKey(c.get("eventKey").asText());
        Keys.ObjectRef ref = new Keys.ObjectRef(c.get("bucket").asText(), key, c.get("eTag").asText(),
                c.get("versionId").isNull() ? null : c.get("versionId").asText());

        assertEquals(c.get("decodedKey").asText(), key);
        assertEquals(c.get("resultsKey").asText(), Keys.resultsKey(prefix, ref));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "my+file.txt|my file.txt",
        "a%2Bb.txt|a+b.txt",
        "100%25.txt|100%.txt",
        "caf%C3%A9+%E2%82%AC.txt|café €.txt",
        "50%+off|50% off",
        "bad%zzescape|bad%zzescape",
        "tail%4|tail%4",
        "é%20x|é x",
    })
    void keyWithSpacesPlusPercentAndUnicodeIsDecodedLikePython(String eventKey, String decoded) throws Exception {
        assertEquals(decoded, Keys.decodeEventKey(eventKey));
    }

    @Test
    void keyThatIsNotUtf8IsRejected() {
        assertThrows(java.nio.charset.CharacterCodingException.class, () -> Keys.decodeEventKey("caf%E9"));
    }

    @Test
    void resultsKeyStaysWithinS3LimitForLongestKeyBucketAndPrefix() {
        Keys.ObjectRef ref = new Keys.ObjectRef("b".repeat(63), "é".repeat(512), "etag", "v".repeat(1024));
        String key = Keys.resultsKey("p/".repeat(Config.MAX_PREFIX_BYTES / 2), ref);

        assertTrue(key.getBytes(StandardCharsets.UTF_8).length <= 1024);
    }

    @Test
    void quotedAndBareEtagAndNullVersionGiveTheSameResultsKey() {
        String bare = Keys.resultsKey("", new Keys.ObjectRef("b", "k", "abc", null));
        assertEquals(bare, Keys.resultsKey("", new Keys.ObjectRef("b", "k", "\"abc\"", null)));
        assertEquals(bare, Keys.resultsKey("", new Keys.ObjectRef("b", "k", "abc", "null")));
        assertTrue(Keys.resultsKey("", new Keys.ObjectRef("b", "k", "abc", "v1")).contains("/v-"));
    }

    @Test
    void s3EventIsParsedWithDecodedKeyVersionAndTypedRecord() {
        Events.Parsed parsed = Events.parse(Vectors.event("s3_object_created_versioned.json"));
        Events.ObjectEvent item = parsed.records().get(0);

        assertEquals("example-source", item.ref().bucket());
        assertEquals("uploads/my file.txt", item.ref().key());
        assertEquals("096fKKXTRTtl3on89fVO.nfljtsv6qko", item.ref().versionId());
        assertEquals(12L, item.size());
        assertTrue(item.objectCreated());
        assertEquals("uploads/my file.txt", parsed.typed().getRecords().get(0).getS3().getObject().getUrlDecodedKey());
        assertEquals("ObjectCreated:Put", parsed.typed().getRecords().get(0).getEventName());
    }

    @Test
    void testEventParsesAsNothingToDo() {
        assertNull(Events.parse(Vectors.event("s3_test_event.json")));
    }

    static Stream<Arguments> malformedEvents() throws Exception {
        return Stream.of(
                Arguments.of(Vectors.event("sqs_message.json"), "record 0: eventSource is 'aws:sqs', not 'aws:s3'"),
                Arguments.of(Vectors.JSON.readTree("{\"hello\": \"world\"}"),
                        "not an S3 event notification: expected a 'Records' list, got ['hello']"),
                Arguments.of(Vectors.JSON.readTree("[]"), "expected a 'Records' list, got list"),
                Arguments.of(Vectors.JSON.readTree("{\"Records\": []}"), "'Records' is empty"),
                Arguments.of(Vectors.JSON.readTree("{\"Records\": [\"text\"]}"), "record 0: expected an object, got str"),
                Arguments.of(Vectors.event("s3_missing_key.json"), "record 0: missing field 'key'"));
    }

    @ParameterizedTest
    @MethodSource("malformedEvents")
    void nonS3OrMalformedEventIsRejectedWithClearMessage(JsonNode event, String message) {
        MalformedEventException error = assertThrows(MalformedEventException.class, () -> Events.parse(event));
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }

    @Test
    void eventWithInvalidSizeOrMissingEtagIsRejected() {
        ObjectNode badSize = (ObjectNode) Vectors.event("s3_object_created_put.json");
        ((ObjectNode) badSize.at("/Records/0/s3/object")).put("size", "big");
        ObjectNode noEtag = (ObjectNode) Vectors.event("s3_object_created_put.json");
        ((ObjectNode) noEtag.at("/Records/0/s3/object")).remove("eTag");

        assertTrue(assertThrows(MalformedEventException.class, () -> Events.parse(badSize))
                .getMessage().contains("size must be a whole number"));
        assertTrue(assertThrows(MalformedEventException.class, () -> Events.parse(noEtag))
                .getMessage().contains("eTag is required"));
    }

    @Test
    void configDefaults() {
        Config config = Config.load(Map.of("RESULTS_BUCKET", "results", "TRIGGER_BUCKET", "source"));

        assertEquals("source", config.triggerBucket());
        assertEquals("", config.triggerPrefix());
        assertEquals("records/", config.resultsPrefix());
        assertEquals(1024L * 1024 * 1024, config.maxHashBytes());
        assertEquals(5, config.s3MaxAttempts());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "-|-|-|-|RESULTS_BUCKET is required",
        "Not_A_Bucket|-|-|-|RESULTS_BUCKET must be a valid S3 bucket name, got 'Not_A_Bucket'",
        "source|-|-|-|TRIGGER_BUCKET and RESULTS_BUCKET must differ",
        "results|records|-|-|RESULTS_PREFIX must be empty or end with '/', got 'records'",
        "results|/r/|-|-|RESULTS_PREFIX must not start",
        "results|-|1GB|-|MAX_HASH_BYTES must be a whole number, got '1GB'",
        "results|-|-1|-|MAX_HASH_BYTES must be >= 0, got -1",
        "results|-|-|0|S3_MAX_ATTEMPTS must be between 1 and 20, got 0",
    })
    void invalidConfigurationNamesTheVariable(String bucket, String prefix, String maxHash, String attempts,
            String message) {
        Map<String, String> env = new java.util.HashMap<>();
        if (bucket != null) {
            env.put("RESULTS_BUCKET", bucket);
            env.put("TRIGGER_BUCKET", "source");
        }
        if (prefix != null) {
            env.put("RESULTS_PREFIX", prefix);
        }
        if (maxHash != null) {
            env.put("MAX_HASH_BYTES", maxHash);
        }
        if (attempts != null) {
            env.put("S3_MAX_ATTEMPTS", attempts);
        }
        Config.ConfigurationException error = assertThrows(Config.ConfigurationException.class, () -> Config.load(env));
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }

    @Test
    void overlongPrefixAndPythonStyleIntegersAreHandled() {
        assertThrows(Config.ConfigurationException.class,
                () -> Config.load(Map.of("RESULTS_BUCKET", "results", "TRIGGER_BUCKET", "source", "RESULTS_PREFIX",
                        "x".repeat(600) + "/")));
        assertEquals(1000, Config.load(Map.of("RESULTS_BUCKET", "results", "TRIGGER_BUCKET", "source", "MAX_HASH_BYTES",
                " 1_000 ")).maxHashBytes());
    }

    @Test
    void aMissingTriggerBucketIsNamed() {
        Config.ConfigurationException error = assertThrows(Config.ConfigurationException.class,
                () -> Config.load(Map.of("RESULTS_BUCKET", "results")));
        assertTrue(error.getMessage().contains("TRIGGER_BUCKET is required"), error.getMessage());
    }

    static Stream<Arguments> caseDetections() {
        JsonNode cases = Vectors.read("tests/vectors/cases.json").get("cases");
        return StreamSupport.stream(cases.spliterator(), false).map(c -> Arguments.of(c.get("name").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseDetections")
    void detectionOfSharedVectorObjects(String name, JsonNode c) {
        byte[] body = Vectors.body(c.at("/object/bodyFile").asText());
        JsonNode expected = c.at("/expected/record/type");
        int length = Math.min(body.length, Detect.SAMPLE_BYTES);

        Detect.Result result = Detect.detect(body, length, body.length <= Detect.SAMPLE_BYTES);

        assertEquals(expected.get("method").asText(), result.method());
        assertDetected(expected.get("detected"), result.detection());
        assertEquals(expected.get("mismatch").asBoolean(),
                Detect.isMismatch(c.at("/object/contentType").asText(), result.detection()));
    }

    static Stream<Arguments> headerDetections() {
        JsonNode cases = Vectors.read("tests/vectors/detections.json").get("cases");
        return StreamSupport.stream(cases.spliterator(), false).map(c -> Arguments.of(c.get("name").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headerDetections")
    void detectionMatchesThePythonFunctionForSampleHeaders(String name, JsonNode c) {
        byte[] sample = HexFormat.of().parseHex(c.get("sampleHex").asText().replace(" ", ""));

        Detect.Result result = Detect.detect(sample, c.get("complete").asBoolean());

        assertEquals(c.get("method").asText(), result.method());
        assertDetected(c.get("detected"), result.detection());
    }

    private static void assertDetected(JsonNode expected, Detect.Detection actual) {
        if (expected.isNull()) {
            assertNull(actual);
            return;
        }
        assertEquals(List.of(expected.get("mimeType").asText(), expected.get("extension").asText(),
                        expected.get("name").asText()),
                List.of(actual.mimeType(), actual.extension(), actual.name()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "-|image/png|false",
        "application/octet-stream|image/png|false",
        "binary/octet-stream|image/png|false",
        "image/png|-|false",
        "IMAGE/PNG; foo=bar|image/png|false",
        "image/jpeg|image/png|true",
        "image/jpg|image/jpeg|false",
        "application/x-zip-compressed|application/zip|false",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document|application/zip|false",
        "application/pdf|application/zip|true",
        "text/csv|text/plain|false",
        "application/json|text/plain|false",
        "application/ld+json|text/plain|false",
        "image/png|text/plain|true",
        "text/plain|application/json|false",
        "application/geo+json|application/json|false",
        "text/html|application/json|true",
    })
    void mismatchRule(String declared, String detectedType, boolean mismatch) {
        Detect.Detection detected = detectedType == null ? null : new Detect.Detection(detectedType, "", "", "magic");
        assertEquals(mismatch, Detect.isMismatch(declared, detected));
    }

    @Test
    void timestampsAreFormattedAsThePythonFunctionDoes() {
        Instant instant = Instant.parse("2026-01-02T03:04:05.678912Z");
        assertEquals("2026-01-02T03:04:05Z", Records.formatTimestamp(instant));
        assertEquals("2026-01-02T03:04:05.678Z", Records.formatInstant(instant));
    }

    @Test
    void emptySampleIsEmptyAndBinaryIsUnknown() {
        assertEquals("empty", Detect.detect(new byte[0], true).method());
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        assertFalse(Detect.detect(binary, true).detection() != null);
    }
}
