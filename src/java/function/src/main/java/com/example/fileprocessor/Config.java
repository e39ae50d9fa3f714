package com.example.fileprocessor;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Configuration from environment variables, validated once per execution environment (at the first
 * invocation, or right after a SnapStart restore), with the same names, defaults, bounds and
 * messages as the Python function ({@code src/file_processor/config.py}).
 *
 * <ul>
 *   <li>{@code TRIGGER_BUCKET} (required): the bucket whose notifications invoke the function; an
 *       event for another bucket is refused, as is a key outside {@code TRIGGER_PREFIX} /
 *       {@code TRIGGER_SUFFIX} (default empty).</li>
 *   <li>{@code RESULTS_BUCKET} (required): bucket that receives the records.</li>
 *   <li>{@code RESULTS_PREFIX} (default {@code records/}): empty or ends with {@code /}, not
 *       starting with {@code /}, at most 512 bytes of UTF-8.</li>
 *   <li>{@code MAX_HASH_BYTES} (default 1 GiB): larger objects are not hashed.</li>
 *   <li>{@code S3_MAX_ATTEMPTS} (default 5): total attempts per S3 call, 1-20.</li>
 * </ul>
 */
public record Config(String resultsBucket, String resultsPrefix, long maxHashBytes, int s3MaxAttempts,
        String triggerBucket, String triggerPrefix, String triggerSuffix) {
    public static final String DEFAULT_RESULTS_PREFIX = "records/";
    public static final long DEFAULT_MAX_HASH_BYTES = 1024L * 1024 * 1024;
    public static final int DEFAULT_S3_MAX_ATTEMPTS = 5;
    /** Results key = prefix + at most 199 bytes, so this keeps every key under S3's 1,024 bytes. */
    public static final int MAX_PREFIX_BYTES = 512;

    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /** An environment variable is missing or invalid; the message names it and says how to fix it. */
    public static final class ConfigurationException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public ConfigurationException(String message) {
            super(message);
        }
    }

    /** Build the configuration from {@code env}; throws ConfigurationException naming the first bad variable. */
    public static Config load(Map<String, String> env) {
        String bucket = bucketSetting(env, "RESULTS_BUCKET", "receives records");
        String triggerBucket = bucketSetting(env, "TRIGGER_BUCKET", "invokes the function");
        if (triggerBucket.equals(bucket)) {
            throw new ConfigurationException(
                    "TRIGGER_BUCKET and RESULTS_BUCKET must differ: each record would invoke the function again");
        }
        String prefix = env.getOrDefault("RESULTS_PREFIX", DEFAULT_RESULTS_PREFIX);
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new ConfigurationException(
                    "RESULTS_PREFIX must be empty or end with '/', got " + PyText.repr(prefix));
        }
        if (prefix.startsWith("/")) {
            throw new ConfigurationException("RESULTS_PREFIX must not start with '/', got " + PyText.repr(prefix));
        }
        if (prefix.getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
            throw new ConfigurationException("RESULTS_PREFIX must be at most " + MAX_PREFIX_BYTES + " bytes in UTF-8");
        }
        BigInteger maxHash = intSetting(env, "MAX_HASH_BYTES", DEFAULT_MAX_HASH_BYTES, 0, null);
        BigInteger attempts = intSetting(env, "S3_MAX_ATTEMPTS", DEFAULT_S3_MAX_ATTEMPTS, 1, 20L);
        // No object is larger than Long.MAX_VALUE bytes: a bigger limit means "hash everything".
        long maxHashBytes = maxHash.bitLength() < 64 ? maxHash.longValue() : Long.MAX_VALUE;
        return new Config(bucket, prefix, maxHashBytes, attempts.intValueExact(), triggerBucket,
                env.getOrDefault("TRIGGER_PREFIX", ""), env.getOrDefault("TRIGGER_SUFFIX", ""));
    }

    private static String bucketSetting(Map<String, String> env, String name, String purpose) {
        String bucket = PyText.strip(env.getOrDefault(name, ""));
        if (bucket.isEmpty()) {
            throw new ConfigurationException(name + " is required: set it to the name of the bucket that " + purpose);
        }
        if (!BUCKET_NAME.matcher(bucket).matches()) {
            throw new ConfigurationException(name + " must be a valid S3 bucket name, got " + PyText.repr(bucket));
        }
        return bucket;
    }

    private static BigInteger intSetting(Map<String, String> env, String name, long defaultValue, long low, Long high) {
        String raw = PyText.strip(env.getOrDefault(name, ""));
        if (raw.isEmpty()) {
            return BigInteger.valueOf(defaultValue);
        }
        BigInteger value = PyText.parseInt(raw);
        if (value == null) {
            throw new ConfigurationException(name + " must be a whole number, got " + PyText.repr(raw));
        }
        if (value.compareTo(BigInteger.valueOf(low)) < 0
                || (high != null && value.compareTo(BigInteger.valueOf(high)) > 0)) {
            String bounds = high == null ? ">= " + low : "between " + low + " and " + high;
            throw new ConfigurationException(name + " must be " + bounds + ", got " + value);
        }
        return value;
    }
}
