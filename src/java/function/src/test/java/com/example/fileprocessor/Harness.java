package com.example.fileprocessor;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/** One test's world: fresh source and results buckets on the shared moto server, and a handler for them. */
final class Harness implements AutoCloseable {
    static final String REQUEST_ID = "6f1d8a7e-2f6b-4b0e-9b8c-0a1b2c3d4e5f";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final String source;
    final String results;
    final S3Client s3;
    final Map<String, String> env = new HashMap<>();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    RecordingHttpClient http = new RecordingHttpClient();

    Harness() {
        int n = COUNTER.incrementAndGet();
        long stamp = System.nanoTime() % 1_000_000_000L;
        source = "src-" + stamp + "-" + n;
        results = "res-" + stamp + "-" + n;
        s3 = S3Client.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(EnvironmentVariableCredentialsProvider.create())
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(URI.create(MotoServer.endpoint()))
                .forcePathStyle(true)
                .build();
        s3.createBucket(b -> b.bucket(source));
        s3.createBucket(b -> b.bucket(results));
        env.put("RESULTS_BUCKET", results);
        env.put("TRIGGER_BUCKET", source);
        env.put("RESULTS_PREFIX", "records/");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ENDPOINT_URL", MotoServer.endpoint());
    }

    Handler handler() {
        return new Handler(env, b -> b.httpClientBuilder(null).httpClient(http), Clock.systemUTC(),
                new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    }

    /** Invoke {@code handler}; the JSON result. */
    static JsonNode invoke(Handler handler, JsonNode event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Vectors.JSON.writeValueAsBytes(event)), out, new TestContext());
        return Vectors.JSON.readTree(out.toByteArray());
    }

    PutObjectResponse put(String key, byte[] body) {
        return s3.putObject(b -> b.bucket(source).key(key), RequestBody.fromBytes(body));
    }

    /** The event S3 would send for an object (tests/events/s3_object_created_put.json, key encoded as S3 does). */
    JsonNode event(String key, long size, String etag, String versionId) {
        JsonNode event = Vectors.event("s3_object_created_put.json");
        var record = (com.fasterxml.jackson.databind.node.ObjectNode) event.get("Records").get(0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) record.at("/s3/bucket")).put("name", source)
                .put("arn", "arn:aws:s3:::" + source);
        var object = (com.fasterxml.jackson.databind.node.ObjectNode) record.at("/s3/object");
        object.put("key", java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"));
        object.put("size", size);
        object.put("eTag", etag.replace("\"", ""));
        if (versionId != null) {
            object.put("versionId", versionId);
        }
        return event;
    }

    JsonNode eventFor(String key, byte[] body) {
        PutObjectResponse response = put(key, body);
        return event(key, body.length, response.eTag(), response.versionId());
    }

    static JsonNode merge(JsonNode... events) {
        var merged = Vectors.JSON.createObjectNode();
        var records = merged.putArray("Records");
        for (JsonNode event : events) {
            event.get("Records").forEach(records::add);
        }
        return merged;
    }

    JsonNode record(String key) {
        try {
            return Vectors.JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(results).key(key)).asByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> resultKeys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(results)).contents().stream().map(S3Object::key).sorted().toList();
    }

    List<JsonNode> logLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logBytes.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                try {
                    lines.add(Vectors.JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return lines;
    }

    @Override
    public void close() {
        s3.close();
    }

    static final class TestContext implements Context {
        @Override
        public String getAwsRequestId() {
            return REQUEST_ID;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/file-processor";
        }

        @Override
        public String getLogStreamName() {
            return "2026/01/01/[$LATEST]0123456789abcdef";
        }

        @Override
        public String getFunctionName() {
            return "file-processor";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:111111111111:function:file-processor";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 30_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 512;
        }

        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
