package com.example.fileprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** The handler end to end against a moto server: records, outcomes, failure semantics, request budget. */
class HandlerTest {
    static final JsonNode VECTORS = Vectors.read("tests/vectors/cases.json");
    static final int MIB = 1024 * 1024;

    static Stream<Arguments> vectorCases() {
        return StreamSupport.stream(VECTORS.get("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), c));
    }

    static JsonNode without(JsonNode record, JsonNode dottedFields) {
        ObjectNode copy = record.deepCopy();
        for (JsonNode dotted : dottedFields) {
            String[] parts = dotted.asText().split("\\.");
            ObjectNode node = copy;
            for (int i = 0; i < parts.length - 1; i++) {
                node = (ObjectNode) node.get(parts[i]);
            }
            node.remove(parts[parts.length - 1]);
        }
        return copy;
    }

    static String onlyOutcome(JsonNode result) {
        assertEquals(1, result.get("objects").size());
        return result.at("/objects/0/outcome").asText();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorCases")
    void sharedVectorCaseProducesExpectedRecord(String name, JsonNode c) throws Exception {
        try (Harness h = new Harness()) {
            JsonNode spec = c.get("object");
            byte[] body = Vectors.body(spec.get("bodyFile").asText());
            h.env.put("MAX_HASH_BYTES", c.get("maxHashBytes").asText());
            JsonNode vector = Vectors.withDigests(c, body, "vectors-source", h.source);
            Map<String, String> metadata = Vectors.JSON.convertValue(spec.get("metadata"), Map.class);
            h.s3.putObject(b -> b.bucket(h.source).key(spec.get("key").asText())
                            .contentType(spec.get("contentType").asText())
                            .metadata(metadata)
                            .serverSideEncryption(ServerSideEncryption.fromValue(spec.get("serverSideEncryption").asText()))
                            .checksumAlgorithm(ChecksumAlgorithm.fromValue(spec.get("checksumAlgorithm").asText())),
                    RequestBody.fromBytes(body));

            JsonNode result = Harness.invoke(h.handler(), vector.get("event"));

            String expectedKey = vector.at("/expected/resultsKey").asText();
            assertEquals(expectedKey, result.at("/objects/0/recordKey").asText());
            JsonNode record = h.record(expectedKey);
            assertEquals(vector.at("/expected/record"), without(record, VECTORS.get("varyingFields")));
            assertEquals(Harness.REQUEST_ID, record.get("requestId").asText());
            assertTrue(record.get("processedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertTrue(record.at("/object/lastModified").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        }
    }

    @Test
    void sameEventDeliveredTwiceWritesOneIdenticalRecordWithinTheRequestBudget() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode event = h.eventFor("twice.txt", "deliver me twice\n".getBytes());
            Handler handler = h.handler();

            JsonNode first = Harness.invoke(handler, event);
            List<String> afterFirst = List.copyOf(h.http.requests);
            JsonNode recordBefore = h.record(first.at("/objects/0/recordKey").asText());
            JsonNode second = Harness.invoke(handler, event);

            assertEquals("recorded", onlyOutcome(first));
            assertEquals("already_recorded", onlyOutcome(second));
            assertEquals(List.of(first.at("/objects/0/recordKey").asText()), h.resultKeys());
            assertEquals(recordBefore, h.record(first.at("/objects/0/recordKey").asText()));
            assertEquals(3, afterFirst.size(), "HeadObject, GetObject, PutObject: " + afterFirst);
            assertEquals(4, h.http.requests.size(), "a redelivery costs one HeadObject: " + h.http.requests);
        }
    }

    @Test
    void concurrentDuplicateLosesTheConditionalWriteAndIsAlreadyRecorded() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode event = h.eventFor("race.txt", "two deliveries at once\n".getBytes());
            Harness.invoke(h.handler(), event);
            JsonNode recordBefore = h.record(h.resultKeys().get(0));
            // The second delivery checked before the first one wrote: its existence check saw nothing.
            h.http = new RecordingHttpClient(request -> request.method().name().equals("HEAD")
                    ? RecordingHttpClient.s3Error(404, "NotFound", "Not Found") : null);

            JsonNode result = Harness.invoke(h.handler(), event);

            assertEquals("already_recorded", onlyOutcome(result));
            assertEquals(recordBefore, h.record(h.resultKeys().get(0)));
        }
    }

    @Test
    void missingObjectIsAnOutcomeNotAFailure() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode result = Harness.invoke(h.handler(), h.event("gone.txt", 5, "d41d8cd98f00b204e9800998ecf8427e", null));

            assertEquals("object_missing", onlyOutcome(result));
            assertEquals(List.of(), h.resultKeys());
            JsonNode log = h.logLines().stream().filter(l -> l.has("outcome")).findFirst().orElseThrow();
            assertEquals("INFO", log.get("level").asText());
            assertEquals("gone.txt", log.get("object_key").asText());
            assertEquals(Harness.REQUEST_ID, log.get("function_request_id").asText());
        }
    }

    @Test
    void versionedBucketReadsTheVersionTheEventNames() throws Exception {
        try (Harness h = new Harness()) {
            h.s3.putBucketVersioning(b -> b.bucket(h.source).versioningConfiguration(v -> v.status("Enabled")));
            JsonNode first = h.eventFor("doc.txt", "version one\n".getBytes());
            JsonNode second = h.eventFor("doc.txt", "version two, longer\n".getBytes());

            JsonNode result = Harness.invoke(h.handler(), Harness.merge(first, second));

            String one = result.at("/objects/0/recordKey").asText();
            String two = result.at("/objects/1/recordKey").asText();
            assertNotEquals(one, two);
            assertTrue(one.contains("/v-") && two.contains("/v-"));
            assertEquals(Vectors.hex("SHA-256", "version one\n".getBytes()), h.record(one).at("/sha256/hex").asText());
            assertEquals(Vectors.hex("SHA-256", "version two, longer\n".getBytes()), h.record(two).at("/sha256/hex").asText());
            assertEquals(first.at("/Records/0/s3/object/versionId"), h.record(one).at("/object/versionId"));
        }
    }

    @Test
    void overwrittenUnversionedObjectIsObjectChangedAndNotRecorded() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode oldEvent = h.eventFor("overwritten.txt", "old content\n".getBytes());
            JsonNode newEvent = h.eventFor("overwritten.txt", "new content, other etag\n".getBytes());
            Handler handler = h.handler();

            assertEquals("object_changed", onlyOutcome(Harness.invoke(handler, oldEvent)));
            assertEquals("recorded", onlyOutcome(Harness.invoke(handler, newEvent)));
            assertEquals(1, h.resultKeys().size());
        }
    }

    @Test
    void objectOverHashLimitIsRecordedWithHashSkippedFromOneRangedRead() throws Exception {
        try (Harness h = new Harness()) {
            h.env.put("MAX_HASH_BYTES", "1000");
            byte[] body = new byte[100_000];
            System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, 0, body, 0, 8);
            JsonNode event = h.eventFor("big.png", body);

            JsonNode result = Harness.invoke(h.handler(), event);

            JsonNode record = h.record(result.at("/objects/0/recordKey").asText());
            assertEquals(Vectors.JSON.readTree("{\"status\":\"skipped\",\"hex\":null,\"reason\":\"size_exceeds_limit\",\"limitBytes\":1000}"),
                    record.get("sha256"));
            assertEquals(body.length, record.at("/object/size").asLong());
            assertEquals("image/png", record.at("/type/detected/mimeType").asText());
            assertEquals(65536, record.at("/type/sampleBytes").asInt());
            assertEquals(3, h.http.requests.size());
        }
    }

    @Test
    void multiMbObjectIsHashedInChunksWithBoundedMemory(@TempDir Path tmp) throws Exception {
        // The test JVM has a 128 MiB heap (pom.xml): reading this object whole would not fit.
        long size = 192L * MIB;
        Path file = tmp.resolve("large.bin");
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < size / MIB; i++) {
                java.util.Arrays.fill(block, (byte) i);
                out.write(block);
                expected.update(block);
            }
        }
        try (Harness h = new Harness()) {
            var response = h.s3.putObject(b -> b.bucket(h.source).key("large/192mib.bin"), RequestBody.fromFile(file));
            Runtime runtime = Runtime.getRuntime();

            JsonNode result = Harness.invoke(h.handler(), h.event("large/192mib.bin", size, response.eTag(), null));

            JsonNode record = h.record(result.at("/objects/0/recordKey").asText());
            assertEquals(HexFormat.of().formatHex(expected.digest()), record.at("/sha256/hex").asText());
            assertEquals(size, record.at("/object/size").asLong());
            assertTrue(runtime.maxMemory() < size, "the heap must be smaller than the object for this test to mean anything");
        }
    }

    @Test
    void testEventIsIgnoredAndWritesNothing() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode result = Harness.invoke(h.handler(), Vectors.event("s3_test_event.json"));

            assertEquals(Vectors.JSON.readTree("{\"ignored\":\"s3:TestEvent\",\"objects\":[]}"), result);
            assertEquals(List.of(), h.http.requests);
        }
    }

    @Test
    void nonS3EventRaisesClearErrorAndWritesNothing() throws Exception {
        try (Harness h = new Harness()) {
            MalformedEventException error = assertThrows(MalformedEventException.class,
                    () -> Harness.invoke(h.handler(), Vectors.event("sqs_message.json")));

            assertTrue(error.getMessage().contains("eventSource is 'aws:sqs'"));
            assertEquals(List.of(), h.http.requests);
            assertTrue(h.logLines().stream().anyMatch(l -> l.has("MalformedEvents")));
        }
    }

    @Test
    void malformedRecordRejectsTheWholeEventBeforeAnyRequest() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode good = h.eventFor("good.txt", "fine\n".getBytes());

            MalformedEventException error = assertThrows(MalformedEventException.class,
                    () -> Harness.invoke(h.handler(), Harness.merge(good, Vectors.event("s3_missing_key.json"))));

            assertTrue(error.getMessage().contains("record 1: missing field 'key'"));
            assertEquals(List.of(), h.http.requests);
            assertEquals(List.of(), h.resultKeys());
        }
    }

    @Test
    void nonCreatedEventIsIgnoredWithoutReading() throws Exception {
        try (Harness h = new Harness()) {
            h.env.put("TRIGGER_BUCKET", "example-source"); // the bucket of the docs' example event
            JsonNode result = Harness.invoke(h.handler(), Vectors.event("s3_object_removed.json"));

            assertEquals("ignored_event_type", onlyOutcome(result));
            assertEquals(List.of(), h.http.requests);
        }
    }

    @Test
    void missingConfigurationFailsWithClearError() throws Exception {
        try (Harness h = new Harness()) {
            h.env.remove("RESULTS_BUCKET");

            Config.ConfigurationException error = assertThrows(Config.ConfigurationException.class,
                    () -> Harness.invoke(h.handler(), Vectors.event("s3_object_created_put.json")));

            assertTrue(error.getMessage().contains("RESULTS_BUCKET is required"));
        }
    }

    @Test
    void accessDeniedFailsAfterOtherRecordsNamingTheFailedKey() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode denied = h.eventFor("secret/plans.txt", "classified\n".getBytes());
            JsonNode allowed = h.eventFor("public/readme.txt", "hello\n".getBytes());
            h.http = new RecordingHttpClient(request -> request.method().name().equals("GET")
                    && request.encodedPath().contains("/secret/")
                    ? RecordingHttpClient.s3Error(403, "AccessDenied", "Access Denied") : null);

            ProcessingFailedException error = assertThrows(ProcessingFailedException.class,
                    () -> Harness.invoke(h.handler(), Harness.merge(denied, allowed)));

            assertTrue(error.getMessage().startsWith("1 of 2 objects failed: s3://" + h.source + "/secret/plans.txt"),
                    error.getMessage());
            assertTrue(error.getMessage().contains("access denied reading"));
            assertTrue(error.getMessage().contains("s3:GetObject"));
            List<String> keys = h.resultKeys();
            assertEquals(1, keys.size());
            assertEquals("public/readme.txt", h.record(keys.get(0)).at("/source/key").asText());
            JsonNode log = h.logLines().stream().filter(l -> "access_denied".equals(l.path("outcome").asText()))
                    .findFirst().orElseThrow();
            assertEquals("ERROR", log.get("level").asText());
            assertEquals("secret/plans.txt", log.get("object_key").asText());
        }
    }

    @Test
    void unexpectedErrorInOneRecordDoesNotStopTheOthers() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode first = h.eventFor("first.txt", "one\n".getBytes());
            JsonNode second = h.eventFor("second.txt", "two\n".getBytes());
            h.http = new RecordingHttpClient(request -> {
                if (request.method().name().equals("GET") && request.encodedPath().endsWith("/first.txt")) {
                    throw new IllegalStateException("detector exploded");
                }
                return null;
            });

            ProcessingFailedException error = assertThrows(ProcessingFailedException.class,
                    () -> Harness.invoke(h.handler(), Harness.merge(first, second)));

            assertTrue(error.getMessage().contains("s3://" + h.source + "/first.txt: "), error.getMessage());
            assertTrue(error.getMessage().contains("detector exploded"), error.getMessage());
            assertEquals("second.txt", h.record(h.resultKeys().get(0)).at("/source/key").asText());
        }
    }

    @Test
    void transientS3ErrorIsRetriedAndTheObjectRecorded() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode event = h.eventFor("flaky.txt", "eventually\n".getBytes());
            AtomicInteger gets = new AtomicInteger();
            h.http = new RecordingHttpClient(request -> request.method().name().equals("GET")
                    && gets.incrementAndGet() == 1
                    ? RecordingHttpClient.s3Error(503, "SlowDown", "Please reduce your request rate.") : null);

            JsonNode result = Harness.invoke(h.handler(), event);

            assertEquals("recorded", onlyOutcome(result));
            assertEquals(2, h.http.count("GET"));
        }
    }

    @Test
    void retriesStopAtS3MaxAttemptsAndTheErrorCodeIsReported() throws Exception {
        try (Harness h = new Harness()) {
            h.env.put("S3_MAX_ATTEMPTS", "2");
            JsonNode event = h.eventFor("throttled.txt", "x".getBytes());
            h.http = new RecordingHttpClient(request -> request.method().name().equals("GET")
                    ? RecordingHttpClient.s3Error(503, "SlowDown", "Please reduce your request rate.") : null);

            ProcessingFailedException error = assertThrows(ProcessingFailedException.class,
                    () -> Harness.invoke(h.handler(), event));

            assertTrue(error.getMessage().contains("SlowDown"), error.getMessage());
            assertEquals(2, h.http.count("GET"));
        }
    }

    @Test
    void eventsOutsideTheTriggerAreRefusedAndTheRestOfTheEventIsProcessed() throws Exception {
        try (Harness h = new Harness()) {
            h.env.put("TRIGGER_PREFIX", "incoming/");
            h.env.put("TRIGGER_SUFFIX", ".pdf");
            JsonNode ours = h.eventFor("incoming/ok.pdf", "%PDF-1.7 ours".getBytes());
            JsonNode otherBucket = h.eventFor("incoming/x.pdf", "theirs".getBytes());
            ((com.fasterxml.jackson.databind.node.ObjectNode) otherBucket.at("/Records/0/s3/bucket")).put("name", "another-bucket");
            JsonNode outsidePrefix = h.event("elsewhere/x.pdf", 1, "etag", null);
            JsonNode wrongSuffix = h.event("incoming/x.pdf.exe", 1, "etag", null);

            JsonNode result = Harness.invoke(h.handler(), Harness.merge(otherBucket, outsidePrefix, wrongSuffix, ours));

            List<String> outcomes = new java.util.ArrayList<>();
            result.get("objects").forEach(o -> outcomes.add(o.get("outcome").asText()));
            assertEquals(List.of("refused", "refused", "refused", "recorded"), outcomes);
            List<JsonNode> refused = h.logLines().stream()
                    .filter(l -> "refused".equals(l.path("outcome").asText()) && l.has("level")).toList();
            assertEquals(3, refused.size());
            assertTrue(refused.stream().allMatch(l -> "WARNING".equals(l.get("level").asText())));
            assertTrue(refused.get(0).get("message").asText().contains("not the trigger bucket"));
            assertTrue(refused.get(1).get("message").asText().contains("outside the trigger prefix"));
            assertTrue(refused.get(2).get("message").asText().contains("does not end with the trigger suffix"));
            JsonNode main = h.logLines().stream().filter(b -> b.has("EventsRefused")).findFirst().orElseThrow();
            assertEquals(Vectors.JSON.readTree("[1.0,1.0,1.0]"), main.get("EventsRefused"));
        }
    }

    @Test
    void metricsCountObjectsBytesAndOutcomes() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode event = h.eventFor("metrics.txt", "12345".getBytes());
            JsonNode missing = h.event("missing.txt", 1, "etag", null);

            Harness.invoke(h.handler(), Harness.merge(event, missing));

            List<JsonNode> blobs = h.logLines().stream().filter(l -> l.has("_aws")).toList();
            Map<String, JsonNode> outcomes = new java.util.TreeMap<>();
            blobs.stream().filter(b -> b.has("Outcomes")).forEach(b -> outcomes.put(b.get("outcome").asText(), b.get("Outcomes")));
            assertEquals(Vectors.JSON.readTree("{\"object_missing\":[1.0],\"recorded\":[1.0]}"), Vectors.JSON.valueToTree(outcomes));
            JsonNode main = blobs.stream().filter(b -> b.has("ObjectsProcessed")).findFirst().orElseThrow();
            assertEquals(Vectors.JSON.readTree("[5.0]"), main.get("BytesProcessed"));
            assertEquals(2, main.get("ObjectLatency").size());
            assertEquals("FileProcessor", main.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
            assertTrue(blobs.stream().anyMatch(b -> b.has("ColdStart")));
        }
    }

    @Test
    void s3ClientUsesStandardRetriesTheEndpointOverrideAndPathStyle() throws Exception {
        try (Harness h = new Harness()) {
            h.env.put("S3_MAX_ATTEMPTS", "7");
            Handler handler = h.handler();

            S3Client client = handler.s3Client(handler.config());

            var configuration = client.serviceClientConfiguration();
            assertEquals(7, configuration.overrideConfiguration().retryStrategy().orElseThrow().maxAttempts());
            assertEquals(RetryMode.STANDARD, configuration.overrideConfiguration().retryMode().orElse(RetryMode.STANDARD));
            assertEquals(MotoServer.endpoint(), configuration.endpointOverride().orElseThrow().toString());
            assertEquals("us-east-1", configuration.region().id());
            assertTrue(handler.s3Client(handler.config()) == client, "the client is reused");
            assertFalse(S3Clients.endpointOverride(Map.of("AWS_ENDPOINT_URL", "http://x", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")).isPresent());
            assertEquals("http://s3.local", S3Clients.endpointOverride(Map.of("AWS_ENDPOINT_URL", "http://x", "AWS_ENDPOINT_URL_S3", "http://s3.local")).orElseThrow().toString());
        }
    }

    @Test
    void inputThatIsNotJsonIsAMalformedEvent() throws Exception {
        try (Harness h = new Harness()) {
            Handler handler = h.handler();
            InputStream notJson = new java.io.ByteArrayInputStream("{not json".getBytes());
            MalformedEventException error = assertThrows(MalformedEventException.class, () -> handler.handleRequest(
                    notJson, OutputStream.nullOutputStream(), new Harness.TestContext()));
            assertTrue(error.getMessage().startsWith("not an S3 event notification"));
        }
    }
}
