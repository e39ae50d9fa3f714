package com.example.fileprocessor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Lambda entry point ({@code com.example.fileprocessor.Handler::handleRequest}, runtime
 * {@code java21}) for S3 {@code ObjectCreated} notifications: the same contract as the Python
 * function ({@code file_processor.handler.handler}; {@code src/README.md}).
 *
 * <p>For each record: decode the key, skip when the record for that exact object version exists,
 * read the object once (hashing it when it is small enough), detect its type, write one JSON record.
 * Records are processed independently; when any failed, the invocation throws one
 * {@link ProcessingFailedException} naming the failed objects after all the others are done. A
 * malformed or non-S3 event throws {@link MalformedEventException} before anything is read or
 * written; the {@code s3:TestEvent} is ignored. Result:
 * {@code {"objects": [{"bucket", "key", "versionId", "outcome", "recordKey"}]}}.
 *
 * <p>SnapStart ({@link Resource}): the constructor creates nothing connection-bound or unique (no
 * configuration, no S3 client). {@link #beforeCheckpoint} primes the code path against an in-memory
 * S3 and keeps nothing from it; {@link #afterRestore} reads the configuration and creates the S3
 * client in the restored environment and marks the next invocation a cold start. Without SnapStart
 * the hooks never run and both are created at the first invocation. {@code FILE_PROCESSOR_PRIMING=off}
 * turns priming off (for measuring it).
 */
public final class Handler implements RequestStreamHandler, Resource {
    public static final String PRIMING_VARIABLE = "FILE_PROCESSOR_PRIMING";

    /** Events: one JSON document; trailing content is an error. */
    private static final ObjectMapper EVENTS =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final Map<String, String> env;
    private final UnaryOperator<S3ClientBuilder> customizer;
    private final Clock clock;
    private final JsonLog log;
    private final EmfMetrics metrics;
    private final String service;

    private Config config;
    private S3Client s3;
    private boolean coldStart = true;
    private int clientsCreated;

    /** The constructor the Lambda runtime calls: the process environment, stdout, and a CRaC registration. */
    public Handler() {
        this(System.getenv(), UnaryOperator.identity(), Clock.systemUTC(), System.out);
        // The global context holds resources weakly; the runtime holds this handler for its lifetime.
        Core.getGlobalContext().register(this);
    }

    /** For tests: an explicit environment, a hook on the S3 client builder, a clock and a log stream. */
    Handler(Map<String, String> env, UnaryOperator<S3ClientBuilder> customizer, Clock clock, PrintStream out) {
        this.env = Map.copyOf(env);
        this.customizer = customizer;
        this.clock = clock;
        this.service = nonBlank(env.get("POWERTOOLS_SERVICE_NAME"), "file-processor");
        this.log = new JsonLog(out, service, env);
        this.metrics = new EmfMetrics(out, nonBlank(env.get("POWERTOOLS_METRICS_NAMESPACE"), "FileProcessor"),
                service, clock);
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The configuration, validated at the first use and reused (ConfigurationException when invalid). */
    synchronized Config config() {
        if (config == null) {
            config = Config.load(env);
        }
        return config;
    }

    /** The S3 client, created at the first use (or right after a restore) and reused. */
    synchronized S3Client s3Client(Config current) {
        if (s3 == null) {
            s3 = S3Clients.create(current, env, customizer);
            clientsCreated++;
        }
        return s3;
    }

    synchronized boolean hasClient() {
        return s3 != null;
    }

    synchronized int clientsCreated() {
        return clientsCreated;
    }

    private synchronized void forgetClientAndConfig() {
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
        config = null;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        boolean cold;
        synchronized (this) {
            cold = coldStart;
            coldStart = false;
        }
        log.startInvocation(context, cold, traceId());
        if (cold) {
            metrics.coldStart(context == null ? null : context.getFunctionName());
        }
        try {
            Config current;
            try {
                current = config();
            } catch (Config.ConfigurationException error) {
                log.error("Handler.handleRequest", "invalid configuration: nothing was processed",
                        Map.of("reason", error.getMessage()));
                throw error;
            }
            invoke(input, output, context, current, () -> s3Client(current), log, metrics);
        } finally {
            metrics.flush();
        }
    }

    private String traceId() {
        String header = System.getProperty("com.amazonaws.xray.traceHeader", env.get("_X_AMZN_TRACE_ID"));
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            if (part.startsWith("Root=")) {
                return part.substring("Root=".length());
            }
        }
        return null;
    }

    /** One invocation with the given configuration, client, log and metrics (also what priming runs). */
    void invoke(InputStream input, OutputStream output, Context context, Config current, Supplier<S3Client> s3,
            JsonLog invocationLog, EmfMetrics invocationMetrics) throws IOException {
        Events.Parsed parsed;
        try {
            JsonNode event;
            try {
                event = EVENTS.readTree(input);
            } catch (JsonProcessingException error) {
                throw new MalformedEventException(
                        "not an S3 event notification: the input is not JSON (" + error.getOriginalMessage() + ")");
            }
            parsed = Events.parse(event);
        } catch (MalformedEventException error) {
            invocationLog.error("Handler.invoke", "malformed event: nothing was processed",
                    Map.of("reason", error.getMessage()));
            invocationMetrics.add("MalformedEvents", EmfMetrics.COUNT, 1);
            throw error;
        }
        if (parsed == null) {
            invocationLog.info("Handler.invoke", "s3:TestEvent ignored", Map.of());
            invocationMetrics.add("TestEventsIgnored", EmfMetrics.COUNT, 1);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ignored", Events.TEST_EVENT);
            result.put("objects", List.of());
            Records.JSON.writeValue(output, result);
            return;
        }

        S3Client client = s3.get();
        String requestId = context == null ? null : context.getAwsRequestId();
        List<Processor.Outcome> outcomes = new ArrayList<>(parsed.records().size());
        for (Events.ObjectEvent item : parsed.records()) {
            outcomes.add(process(client, current, item, requestId, invocationLog, invocationMetrics));
        }
        Map<String, Integer> counts = new TreeMap<>();
        outcomes.forEach(outcome -> counts.merge(outcome.outcome(), 1, Integer::sum));
        counts.forEach((reason, count) -> {
            Map<String, String> dimensions = new LinkedHashMap<>();
            dimensions.put("service", service);
            dimensions.put("outcome", reason);
            invocationMetrics.single("Outcomes", EmfMetrics.COUNT, count, dimensions);
        });

        List<Processor.Outcome> failed = outcomes.stream().filter(Processor.Outcome::failed).toList();
        if (!failed.isEmpty()) {
            String names = failed.stream()
                    .map(outcome -> outcome.location() + ": " + outcome.message())
                    .collect(Collectors.joining("; "));
            throw new ProcessingFailedException(
                    failed.size() + " of " + outcomes.size() + " objects failed: " + names);
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Processor.Outcome outcome : outcomes) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("bucket", outcome.event().ref().bucket());
            item.put("key", outcome.event().ref().key());
            item.put("versionId", outcome.event().ref().versionId());
            item.put("outcome", outcome.outcome());
            item.put("recordKey", outcome.recordKey());
            objects.add(item);
        }
        JsonLog.LINES.writeValue(output, Map.of("objects", objects));
    }

    private Processor.Outcome process(S3Client client, Config current, Events.ObjectEvent event, String requestId,
            JsonLog invocationLog, EmfMetrics invocationMetrics) {
        invocationLog.append("bucket", event.ref().bucket());
        invocationLog.append("object_key", event.ref().key());
        invocationLog.append("version_id", event.ref().versionId());
        try {
            long started = System.nanoTime();
            Processor.Outcome outcome;
            try {
                outcome = Processor.processObject(client, current, event, requestId, clock);
            } catch (RuntimeException error) {
                invocationLog.exception("Handler.process", "unexpected error", error);
                outcome = new Processor.Outcome(event, Processor.ERROR, null,
                        error.getClass().getSimpleName() + ": " + error.getMessage());
            }
            double elapsedMs = (System.nanoTime() - started) / 1e6;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("outcome", outcome.outcome());
            fields.put("record_key", outcome.recordKey());
            fields.put("elapsed_ms", Math.round(elapsedMs * 10) / 10.0);
            if (outcome.failed()) {
                invocationLog.error("Handler.process", outcome.message() == null ? outcome.outcome() : outcome.message(), fields);
            } else if (Processor.REFUSED.equals(outcome.outcome())) {
                invocationLog.warning("Handler.process", outcome.message(), fields);
                invocationMetrics.add("EventsRefused", EmfMetrics.COUNT, 1);
            } else if (outcome.message() != null) {
                invocationLog.info("Handler.process", outcome.message(), fields);
            } else {
                fields.put("size", outcome.size());
                invocationLog.info("Handler.process", "object recorded", fields);
            }
            invocationMetrics.add("ObjectLatency", EmfMetrics.MILLISECONDS, elapsedMs);
            if (Processor.RECORDED.equals(outcome.outcome())) {
                invocationMetrics.add("ObjectsProcessed", EmfMetrics.COUNT, 1);
                invocationMetrics.add("BytesProcessed", EmfMetrics.BYTES, outcome.size());
            }
            return outcome;
        } finally {
            invocationLog.clearAppended();
        }
    }

    boolean primingEnabled() {
        String value = env.getOrDefault(PRIMING_VARIABLE, "on").trim().toLowerCase(java.util.Locale.ROOT);
        return !(value.equals("off") || value.equals("false") || value.equals("0") || value.equals("no"));
    }

    /**
     * Before the snapshot: prime the code path (no network, nothing kept), then make sure no client,
     * connection or configuration is in the snapshot.
     */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) throws Exception {
        if (primingEnabled()) {
            Priming.run(this);
        }
        forgetClientAndConfig();
    }

    /**
     * After a restore: this environment's configuration and S3 client (fresh connections, the
     * restored environment's credentials), and the next invocation counts as a cold start. A bad
     * configuration is left for the first invocation to report.
     */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        synchronized (this) {
            coldStart = true;
        }
        forgetClientAndConfig();
        try {
            s3Client(config());
        } catch (RuntimeException error) {
            log.error("Handler.afterRestore", "could not prepare after restore; the first invocation will retry",
                    Map.of("reason", String.valueOf(error.getMessage())));
        }
    }
}
