package com.example.fileprocessor;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Structured JSON log lines, one per call, with the keys Powertools for AWS Lambda (Python) writes,
 * so both variants' logs query alike: {@code level}, {@code location}, {@code message},
 * {@code timestamp}, {@code service}, {@code cold_start}, {@code function_name},
 * {@code function_memory_size}, {@code function_arn}, {@code function_request_id},
 * {@code xray_trace_id}, then the appended keys ({@code bucket}, {@code object_key},
 * {@code version_id}) and the call's own. A small writer instead of a logging framework: no
 * dependency, nothing to configure, and no class loading on the cold path beyond Jackson, which the
 * function loads anyway. Level threshold: {@code POWERTOOLS_LOG_LEVEL} (or {@code AWS_LAMBDA_LOG_LEVEL}),
 * default INFO.
 */
final class JsonLog {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss,SSSZ").withZone(ZoneOffset.UTC);
    private static final Map<String, Integer> LEVELS =
            Map.of("DEBUG", 10, "INFO", 20, "WARNING", 30, "WARN", 30, "ERROR", 40, "CRITICAL", 50);

    /** Keys in insertion order (Powertools' order), unlike records, whose keys are sorted. */
    static final ObjectMapper LINES = new ObjectMapper();

    private final PrintStream out;
    private final String service;
    private final int threshold;
    private final Map<String, Object> invocation = new LinkedHashMap<>();
    private final Map<String, Object> appended = new LinkedHashMap<>();

    JsonLog(PrintStream out, String service, Map<String, String> env) {
        this.out = out;
        this.service = service;
        String level = env.getOrDefault("POWERTOOLS_LOG_LEVEL", env.getOrDefault("AWS_LAMBDA_LOG_LEVEL", "INFO"));
        this.threshold = LEVELS.getOrDefault(level.trim().toUpperCase(Locale.ROOT), 20);
    }

    /** The Lambda context keys for this invocation (cleared state, as Powertools' clear_state=True). */
    void startInvocation(Context context, boolean coldStart, String traceId) {
        invocation.clear();
        appended.clear();
        invocation.put("cold_start", coldStart);
        if (context != null) {
            invocation.put("function_name", context.getFunctionName());
            invocation.put("function_memory_size", context.getMemoryLimitInMB());
            invocation.put("function_arn", context.getInvokedFunctionArn());
            invocation.put("function_request_id", context.getAwsRequestId());
        }
        if (traceId != null) {
            invocation.put("xray_trace_id", traceId);
        }
    }

    void append(String key, Object value) {
        appended.put(key, value);
    }

    void clearAppended() {
        appended.clear();
    }

    void info(String location, String message, Map<String, Object> extra) {
        write("INFO", location, message, extra, null);
    }

    void warning(String location, String message, Map<String, Object> extra) {
        write("WARNING", location, message, extra, null);
    }

    void error(String location, String message, Map<String, Object> extra) {
        write("ERROR", location, message, extra, null);
    }

    void exception(String location, String message, Throwable error) {
        write("ERROR", location, message, Map.of(), error);
    }

    private void write(String level, String location, String message, Map<String, Object> extra, Throwable error) {
        if (LEVELS.get(level) < threshold) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("level", level);
        line.put("location", location);
        line.put("message", message);
        line.put("timestamp", TIMESTAMP.format(Instant.now()));
        line.put("service", service);
        line.putAll(invocation);
        line.putAll(appended);
        line.putAll(extra);
        if (error != null) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            line.put("exception", trace.toString());
            line.put("exception_name", error.getClass().getSimpleName());
        }
        try {
            out.println(LINES.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            out.println("{\"level\":\"ERROR\",\"message\":\"unserialisable log line\"}");
        }
    }
}
