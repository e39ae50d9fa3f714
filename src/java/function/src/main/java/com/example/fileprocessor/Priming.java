package com.example.fileprocessor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.zip.CRC32;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SnapStart priming, run in {@code beforeCheckpoint}: the function's whole path for one object, so
 * the snapshot holds loaded and initialised classes (Jackson, the signature table, the SDK's
 * marshalling, signing, checksums and unmarshalling, the record and log writers) instead of each
 * restored environment loading them on its first invocation.
 *
 * <p>No network call and nothing that outlives priming: the S3 calls go to an in-memory HTTP client
 * that answers like S3 (HeadObject 404, GetObject with a body and its CRC32, PutObject 200), the
 * credentials are dummies (the environment's are not read), logs and metrics go to a discarded
 * stream, and the priming client is closed. The URLConnection HTTP client is built and closed
 * unused (it opens connections only on a request), just to load its classes.
 */
final class Priming {
    private Priming() {}

    private static final String EVENT = """
            {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
            "eventTime":"2026-01-01T12:00:00.000Z","eventName":"ObjectCreated:Put",
            "userIdentity":{"principalId":"AWS:PRIMING"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},
            "responseElements":{"x-amz-request-id":"PRIMING","x-amz-id-2":"PRIMING"},
            "s3":{"s3SchemaVersion":"1.0","configurationId":"priming",
            "bucket":{"name":"priming-source","ownerIdentity":{"principalId":"PRIMING"},"arn":"arn:aws:s3:::priming-source"},
            "object":{"key":"priming/pixel+1.png","size":%d,"eTag":"%s","sequencer":"0"}}}]}
            """;

    /** A 1x1 PNG: detection by magic number, as for most binary uploads. */
    private static final byte[] BODY = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAarVyFEAAAAASUVORK5CYII=");

    /** Run the handler's path once against the in-memory S3; returns the outcome (for tests). */
    static String run(Handler handler) throws IOException {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Config config = new Config("priming-results", Config.DEFAULT_RESULTS_PREFIX, Config.DEFAULT_MAX_HASH_BYTES,
                Config.DEFAULT_S3_MAX_ATTEMPTS, "priming-source", "", "");
        String etag = "priming-etag";
        byte[] event = String.format(EVENT, BODY.length, etag).getBytes(StandardCharsets.UTF_8);
        Detect.warmUp();
        UrlConnectionHttpClient.builder()
                .connectionTimeout(S3Clients.CONNECT_TIMEOUT)
                .socketTimeout(S3Clients.READ_TIMEOUT)
                .build()
                .close();
        try (S3Client s3 = S3Clients.baseBuilder(config, Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")))
                .httpClient(new InMemoryS3(etag))
                .endpointOverride(URI.create("http://priming.invalid"))
                .forcePathStyle(true)
                .build()) {
            ByteArrayOutputStream result = new ByteArrayOutputStream();
            handler.invoke(new ByteArrayInputStream(event), result, null, config, () -> s3,
                    new JsonLog(discard, "priming", Map.of()),
                    new EmfMetrics(discard, "priming", "priming", Clock.systemUTC()));
            return result.toString(StandardCharsets.UTF_8);
        }
    }

    /** Answers the three requests of one object like S3 would, from memory. */
    private static final class InMemoryS3 implements SdkHttpClient {
        private final String etag;

        InMemoryS3(String etag) {
            this.etag = etag;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    if (request.contentStreamProvider().isPresent()) {
                        try (InputStream body = request.contentStreamProvider().get().newStream()) {
                            body.transferTo(OutputStream.nullOutputStream());
                        }
                    }
                    SdkHttpMethod method = request.httpRequest().method();
                    if (method == SdkHttpMethod.HEAD) {
                        return respond(SdkHttpResponse.builder().statusCode(404).statusText("Not Found"), new byte[0]);
                    }
                    if (method == SdkHttpMethod.GET) {
                        CRC32 crc = new CRC32();
                        crc.update(BODY);
                        byte[] checksum = new byte[] {(byte) (crc.getValue() >>> 24), (byte) (crc.getValue() >>> 16),
                                (byte) (crc.getValue() >>> 8), (byte) crc.getValue()};
                        return respond(SdkHttpResponse.builder().statusCode(200).statusText("OK")
                                .putHeader("Content-Type", "image/png")
                                .putHeader("Content-Length", String.valueOf(BODY.length))
                                .putHeader("ETag", "\"" + etag + "\"")
                                .putHeader("Last-Modified", "Thu, 01 Jan 2026 12:00:00 GMT")
                                .putHeader("x-amz-server-side-encryption", "AES256")
                                .putHeader("x-amz-meta-origin", "priming")
                                .putHeader("x-amz-checksum-crc32", Base64.getEncoder().encodeToString(checksum))
                                .putHeader("x-amz-checksum-type", "FULL_OBJECT"), BODY);
                    }
                    return respond(SdkHttpResponse.builder().statusCode(200).statusText("OK")
                            .putHeader("ETag", "\"" + etag + "\""), new byte[0]);
                }

                @Override
                public void abort() {}
            };
        }

        private static HttpExecuteResponse respond(SdkHttpResponse.Builder response, byte[] body) {
            return HttpExecuteResponse.builder()
                    .response(response.build())
                    .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                    .build();
        }

        @Override
        public void close() {}

        @Override
        public String clientName() {
            return "PrimingInMemoryS3";
        }
    }
}
