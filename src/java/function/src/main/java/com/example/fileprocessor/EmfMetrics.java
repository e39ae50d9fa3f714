package com.example.fileprocessor;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch embedded metric format (EMF) lines with the Python function's metric names, units and
 * dimensions (Powertools Metrics): per invocation one line with {@code ObjectLatency},
 * {@code ObjectsProcessed}, {@code BytesProcessed}, {@code MalformedEvents},
 * {@code TestEventsIgnored} (dimension {@code service}); one {@code Outcomes} line per outcome
 * (dimensions {@code service}, {@code outcome}); {@code ColdStart} (dimensions
 * {@code function_name}, {@code service}) on a cold start.
 */
final class EmfMetrics {
    static final String COUNT = "Count";
    static final String BYTES = "Bytes";
    static final String MILLISECONDS = "Milliseconds";

    private record Metric(String unit, List<Double> values) {}

    private final PrintStream out;
    private final String namespace;
    private final String service;
    private final Clock clock;
    private final Map<String, Metric> metrics = new LinkedHashMap<>();

    EmfMetrics(PrintStream out, String namespace, String service, Clock clock) {
        this.out = out;
        this.namespace = namespace;
        this.service = service;
        this.clock = clock;
    }

    void add(String name, String unit, double value) {
        metrics.computeIfAbsent(name, n -> new Metric(unit, new ArrayList<>())).values().add(value);
    }

    /** One metric on its own line with its own dimensions (Powertools' single_metric). */
    void single(String name, String unit, double value, Map<String, String> dimensions) {
        Map<String, Metric> one = new LinkedHashMap<>();
        one.put(name, new Metric(unit, List.of(value)));
        write(one, dimensions);
    }

    void coldStart(String functionName) {
        Map<String, String> dimensions = new LinkedHashMap<>();
        dimensions.put("function_name", functionName == null ? "" : functionName);
        dimensions.put("service", service);
        single("ColdStart", COUNT, 1, dimensions);
    }

    /** Write this invocation's metrics (if any) and start over. */
    void flush() {
        if (!metrics.isEmpty()) {
            write(metrics, Map.of("service", service));
        }
        metrics.clear();
    }

    void discard() {
        metrics.clear();
    }

    private void write(Map<String, Metric> values, Map<String, String> dimensions) {
        List<Map<String, String>> definitions = new ArrayList<>();
        values.forEach((name, metric) -> definitions.add(Map.of("Name", name, "Unit", metric.unit())));
        Map<String, Object> directive = new LinkedHashMap<>();
        directive.put("Namespace", namespace);
        directive.put("Dimensions", List.of(List.copyOf(dimensions.keySet())));
        directive.put("Metrics", definitions);
        Map<String, Object> aws = new LinkedHashMap<>();
        aws.put("Timestamp", clock.millis());
        aws.put("CloudWatchMetrics", List.of(directive));
        Map<String, Object> blob = new LinkedHashMap<>();
        blob.put("_aws", aws);
        blob.putAll(dimensions);
        values.forEach((name, metric) -> blob.put(name, metric.values()));
        try {
            out.println(JsonLog.LINES.writeValueAsString(blob));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metrics are always serialisable", e);
        }
    }
}
