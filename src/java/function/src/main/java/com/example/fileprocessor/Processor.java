package com.example.fileprocessor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Process one object with the same S3 requests as the Python function
 * ({@code src/file_processor/processor.py}):
 *
 * <ol>
 *   <li>{@code HeadObject} on the results key: when the record exists the work is skipped
 *       ({@code already_recorded}, 1 request).</li>
 *   <li>One {@code GetObject} of the exact object the event names ({@code VersionId} when the event
 *       has one, else {@code If-Match} on its ETag): the whole object, streamed and hashed in 1 MiB
 *       chunks, when its size is at most {@code MAX_HASH_BYTES}; else only its first 64 KiB.</li>
 *   <li>{@code PutObject} of the record with {@code If-None-Match: *}, so two concurrent deliveries
 *       cannot both write; the loser's outcome is {@code already_recorded}.</li>
 * </ol>
 */
public final class Processor {
    public static final int HASH_CHUNK_BYTES = 1024 * 1024;

    public static final String RECORDED = "recorded";
    public static final String ALREADY_RECORDED = "already_recorded";
    public static final String OBJECT_MISSING = "object_missing";
    public static final String OBJECT_CHANGED = "object_changed";
    public static final String IGNORED_EVENT_TYPE = "ignored_event_type";
    /** An event for another bucket, or a key outside the trigger's prefix or suffix: never processed. */
    public static final String REFUSED = "refused";
    public static final String ACCESS_DENIED = "access_denied";
    public static final String ERROR = "error";
    public static final Set<String> FAILURES = Set.of(ACCESS_DENIED, ERROR);

    private static final Set<String> NOT_FOUND = Set.of("404", "NoSuchKey", "NoSuchVersion", "NotFound");
    private static final Set<String> PRECONDITION_FAILED = Set.of("412", "PreconditionFailed");
    private static final Set<String> DENIED = Set.of("403", "AccessDenied", "AllAccessDisabled", "KMS.AccessDeniedException");

    private Processor() {}

    /** What happened to one object. */
    public record Outcome(Events.ObjectEvent event, String outcome, String recordKey, long size, String message) {
        Outcome(Events.ObjectEvent event, String outcome, String recordKey, String message) {
            this(event, outcome, recordKey, 0, message);
        }

        public boolean failed() {
            return FAILURES.contains(outcome);
        }

        /** {@code s3://bucket/key (version v)}: how failure messages name the object. */
        public String location() {
            String version = event.ref().versionId() != null ? " (version " + event.ref().versionId() + ")" : "";
            return "s3://" + event.ref().bucket() + "/" + event.ref().key() + version;
        }
    }

    /** What one GetObject returned: its response, the leading sample and the hash (or null). */
    record Content(GetObjectResponse response, byte[] sample, int sampleLength, boolean complete, String sha256) {}

    /** The error code S3 returned, or the HTTP status when it sent none (as botocore reports it). */
    static String errorCode(AwsServiceException error) {
        String code = error.awsErrorDetails() == null ? null : error.awsErrorDetails().errorCode();
        return code == null || code.isEmpty() ? String.valueOf(error.statusCode()) : code;
    }

    /** The error as botocore words it: {@code An error occurred (Code) when calling the Op operation: message}. */
    static String describe(AwsServiceException error, String operation) {
        String message = error.awsErrorDetails() == null ? null : error.awsErrorDetails().errorMessage();
        return "An error occurred (" + errorCode(error) + ") when calling the " + operation + " operation: "
                + (message == null || message.isEmpty() ? "HTTP " + error.statusCode() : message);
    }

    /** Read the exact object {@code event} names: whole and hashed, or only its first bytes when too big. */
    static Content readObject(S3Client s3, Events.ObjectEvent event, long maxHashBytes) {
        Keys.ObjectRef ref = event.ref();
        // Checksum mode on, as botocore sets it: the response then carries the checksums S3 holds.
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(ref.bucket()).key(ref.key()).checksumMode(ChecksumMode.ENABLED);
        if (ref.versioned()) {
            request.versionId(ref.versionId());
        } else {
            request.ifMatch("\"" + Keys.normalizeEtag(ref.etag()) + "\"");
        }
        boolean hashing = event.size() != null && event.size() <= maxHashBytes;
        if (!hashing) {
            request.range("bytes=0-" + (Detect.SAMPLE_BYTES - 1));
        }
        byte[] sample = new byte[Detect.SAMPLE_BYTES];
        int sampleLength = 0;
        try (ResponseInputStream<GetObjectResponse> body = s3.getObject(request.build())) {
            GetObjectResponse response = body.response();
            MessageDigest digest = hashing ? Keys.sha256() : null;
            byte[] chunk = new byte[hashing ? HASH_CHUNK_BYTES : Detect.SAMPLE_BYTES];
            int read;
            while ((read = body.readNBytes(chunk, 0, chunk.length)) > 0) {
                if (digest != null) {
                    digest.update(chunk, 0, read);
                }
                int take = Math.min(read, Detect.SAMPLE_BYTES - sampleLength);
                if (take > 0) {
                    System.arraycopy(chunk, 0, sample, sampleLength, take);
                    sampleLength += take;
                }
                if (!hashing && sampleLength >= Detect.SAMPLE_BYTES) {
                    break;
                }
            }
            boolean complete = sampleLength >= Records.totalSize(response);
            String hex = digest == null ? null : HexFormat.of().formatHex(digest.digest());
            return new Content(response, sample, sampleLength, complete, hex);
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + ref.bucket() + "/" + ref.key(), e);
        }
    }

    static boolean recordExists(S3Client s3, String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (AwsServiceException error) {
            if (NOT_FOUND.contains(errorCode(error))) {
                return false;
            }
            throw error;
        }
        return true;
    }

    private static String denied(String action, String where, AwsServiceException error, String needs) {
        return "access denied " + action + " " + where + " (" + errorCode(error) + "): the function role needs " + needs;
    }

    /**
     * Why this event is not one the trigger sends (another bucket, a key outside its filter), or null.
     * Defence in depth, as in the Python function: a misrouted event never makes the function read
     * or record objects it was not configured for.
     */
    static String outsideTrigger(Config config, Events.ObjectEvent event) {
        String bucket = event.ref().bucket();
        String key = event.ref().key();
        if (!bucket.equals(config.triggerBucket())) {
            return "event for bucket " + PyText.repr(bucket) + ", not the trigger bucket "
                    + PyText.repr(config.triggerBucket()) + ": refused";
        }
        if (!key.startsWith(config.triggerPrefix())) {
            return "key " + PyText.repr(key) + " is outside the trigger prefix " + PyText.repr(config.triggerPrefix())
                    + ": refused";
        }
        if (!key.endsWith(config.triggerSuffix())) {
            return "key " + PyText.repr(key) + " does not end with the trigger suffix "
                    + PyText.repr(config.triggerSuffix()) + ": refused";
        }
        return null;
    }

    /** Process one object; every AWS error becomes an Outcome, so records stay independent. */
    public static Outcome processObject(
            S3Client s3, Config config, Events.ObjectEvent event, String requestId, Clock clock) {
        String refusal = outsideTrigger(config, event);
        if (refusal != null) {
            return new Outcome(event, REFUSED, null, refusal);
        }
        if (!event.objectCreated()) {
            return new Outcome(event, IGNORED_EVENT_TYPE, null, "event " + event.eventName() + " is not ObjectCreated:*");
        }
        String key = Keys.resultsKey(config.resultsPrefix(), event.ref());
        String results = "s3://" + config.resultsBucket() + "/" + key;

        try {
            if (recordExists(s3, config.resultsBucket(), key)) {
                return new Outcome(event, ALREADY_RECORDED, key, "record for this object version exists");
            }
        } catch (AwsServiceException error) {
            if (DENIED.contains(errorCode(error))) {
                String needs = "s3:GetObject and s3:ListBucket on bucket " + config.resultsBucket();
                return new Outcome(event, ACCESS_DENIED, key, denied("checking", results, error, needs));
            }
            return new Outcome(event, ERROR, key, "checking " + results + " failed: " + describe(error, "HeadObject"));
        }

        String where = "s3://" + event.ref().bucket() + "/" + event.ref().key();
        Content content;
        try {
            content = readObject(s3, event, config.maxHashBytes());
        } catch (AwsServiceException error) {
            String code = errorCode(error);
            if (NOT_FOUND.contains(code)) {
                return new Outcome(event, OBJECT_MISSING, key, where + " no longer exists (" + code + ")");
            }
            if (PRECONDITION_FAILED.contains(code)) {
                return new Outcome(event, OBJECT_CHANGED, key,
                        where + " was overwritten after the event (ETag no longer matches)");
            }
            if (DENIED.contains(code)) {
                String actions = event.ref().versioned() ? "s3:GetObject and s3:GetObjectVersion" : "s3:GetObject";
                String needs = actions + " on it, kms:Decrypt on its key if it is SSE-KMS encrypted, and s3:ListBucket "
                        + "on its bucket (without it a deleted object also reads as 403)";
                return new Outcome(event, ACCESS_DENIED, key, denied("reading", where, error, needs));
            }
            return new Outcome(event, ERROR, key, "reading " + where + " failed: " + describe(error, "GetObject"));
        }

        Detect.Result detected = Detect.detect(content.sample(), content.sampleLength(), content.complete());
        Map<String, Object> record = Records.buildRecord(
                event, content.response(), detected.detection(), detected.method(), content.sampleLength(),
                content.sha256(), config.maxHashBytes(), requestId, clock.instant());
        long size = Records.totalSize(content.response());
        try {
            s3.putObject(b -> b.bucket(config.resultsBucket()).key(key).contentType("application/json").ifNoneMatch("*"),
                    RequestBody.fromBytes(Records.serialize(record)));
        } catch (AwsServiceException error) {
            String code = errorCode(error);
            if (PRECONDITION_FAILED.contains(code)) {
                return new Outcome(event, ALREADY_RECORDED, key, size, "a concurrent delivery wrote the record first");
            }
            if (DENIED.contains(code)) {
                return new Outcome(event, ACCESS_DENIED, key, size,
                        denied("writing", results, error, "s3:PutObject on bucket " + config.resultsBucket()));
            }
            return new Outcome(event, ERROR, key, size, "writing " + results + " failed: " + describe(error, "PutObject"));
        }
        return new Outcome(event, RECORDED, key, size, null);
    }
}
