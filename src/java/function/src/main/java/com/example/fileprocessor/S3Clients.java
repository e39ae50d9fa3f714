package com.example.fileprocessor;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The S3 client, set up as AWS recommends for Lambda: the lightweight URLConnection HTTP client (no
 * Netty or Apache client on the class path), the region from {@code AWS_REGION} and the
 * credentials from the environment ({@code EnvironmentVariableCredentialsProvider}) instead of the
 * default chains' probing, and the SDK's standard retry strategy with {@code S3_MAX_ATTEMPTS} total
 * attempts (throttling, 5xx and connection errors). Timeouts as the Python function's: connect 10 s,
 * read 60 s.
 *
 * <p>Endpoint: {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL} (the local runner points
 * the function at the stand-in this way), unless {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} is
 * {@code true}. SDK 2.57 honours these variables by itself, but they are read here explicitly so that
 * path-style addressing (which a loopback endpoint needs: {@code bucket.127.0.0.1} does not
 * resolve) is turned on exactly when an override is set, and so that the whole configuration comes
 * from the one environment map the handler is given (tests pass their own).
 */
final class S3Clients {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private S3Clients() {}

    static Optional<URI> endpointOverride(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.getOrDefault("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").trim())) {
            return Optional.empty();
        }
        for (String name : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = env.getOrDefault(name, "").trim();
            if (!value.isEmpty()) {
                try {
                    return Optional.of(URI.create(value));
                } catch (IllegalArgumentException e) {
                    throw new Config.ConfigurationException(name + " must be a URL, got " + PyText.repr(value));
                }
            }
        }
        return Optional.empty();
    }

    static Region region(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", "").trim();
        if (region.isEmpty()) {
            throw new Config.ConfigurationException(
                    "AWS_REGION is required: Lambda sets it; set it when running the function elsewhere");
        }
        return Region.of(region);
    }

    /** A builder with everything but the HTTP client and credentials (shared with the priming client). */
    static S3ClientBuilder baseBuilder(Config config, Region region) {
        return S3Client.builder()
                .region(region)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(config.s3MaxAttempts())
                        .build()));
    }

    static S3Client create(Config config, Map<String, String> env, UnaryOperator<S3ClientBuilder> customizer) {
        S3ClientBuilder builder = baseBuilder(config, region(env))
                .credentialsProvider(EnvironmentVariableCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT));
        endpointOverride(env).ifPresent(uri -> builder.endpointOverride(uri).forcePathStyle(true));
        return customizer.apply(builder).build();
    }
}
