package com.example.fileprocessor.invoker;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * Plays the Lambda Java runtime's part on a machine that cannot run Lambda code.
 *
 * <pre>
 *   java -cp invoker.jar:&lt;function&gt;:&lt;layer&gt;/java/lib/* com.example.fileprocessor.invoker.InvokerMain \
 *        --handler com.example.fileprocessor.Handler::handleRequest [--snapstart] [--timings]
 * </pre>
 *
 * Loads and constructs the handler once (the init phase), then reads one event (JSON) per line on
 * standard input and writes one JSON line per invocation on standard output:
 * {@code {"ok": true, "requestId": ..., "result": ...}} or
 * {@code {"ok": false, "requestId": ..., "errorType": ..., "errorMessage": ...}}. The handler's own
 * output (its logs, EMF metrics) goes to standard error, as Lambda sends it to CloudWatch Logs.
 *
 * <p>{@code --snapstart} emulates a SnapStart restore: after construction it calls the handler's
 * CRaC hooks, {@code beforeCheckpoint} (priming) then {@code afterRestore}, as Lambda does around
 * the snapshot (a JDK without CRaC never calls them by itself). {@code --timings} adds each phase's
 * milliseconds to the first line ({@code "timings"}).
 */
public final class InvokerMain {
    private InvokerMain() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err); // the handler's logs must not mix with the protocol
        String handlerName = null;
        boolean snapstart = false;
        boolean timings = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--handler" -> handlerName = i + 1 < args.length ? args[++i] : null;
                case "--snapstart" -> snapstart = true;
                case "--timings" -> timings = true;
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (handlerName == null) {
            usage("--handler is required");
        }
        String className = handlerName.contains("::") ? handlerName.substring(0, handlerName.indexOf("::")) : handlerName;
        String method = handlerName.contains("::") ? handlerName.substring(handlerName.indexOf("::") + 2) : "handleRequest";
        if (!method.equals("handleRequest")) {
            usage("only handleRequest handlers are supported, got " + handlerName);
        }

        Object instance = Class.forName(className).getDeclaredConstructor().newInstance();
        if (!(instance instanceof RequestStreamHandler handler)) {
            throw new IllegalArgumentException(className + " does not implement RequestStreamHandler");
        }
        long constructed = System.nanoTime();
        long checkpointed = constructed;
        long restored = constructed;
        if (snapstart) {
            if (!(instance instanceof org.crac.Resource resource)) {
                throw new IllegalArgumentException(className + " does not implement org.crac.Resource");
            }
            resource.beforeCheckpoint(null);
            checkpointed = System.nanoTime();
            // --- the snapshot would be taken here; a restored environment resumes below ---
            resource.afterRestore(null);
            restored = System.nanoTime();
        }

        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        boolean first = true;
        while ((line = lines.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            long invokeStart = System.nanoTime();
            String requestId = UUID.randomUUID().toString();
            StringBuilder out = new StringBuilder(256);
            try {
                ByteArrayOutputStream result = new ByteArrayOutputStream();
                handler.handleRequest(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)), result,
                        new LocalContext(requestId));
                String json = result.toString(StandardCharsets.UTF_8).strip();
                out.append("{\"ok\": true, \"requestId\": ").append(quote(requestId))
                        .append(", \"result\": ").append(json.isEmpty() ? "null" : json);
            } catch (Exception error) {
                out.append("{\"ok\": false, \"requestId\": ").append(quote(requestId))
                        .append(", \"errorType\": ").append(quote(error.getClass().getName()))
                        .append(", \"errorMessage\": ").append(quote(String.valueOf(error.getMessage())));
            }
            if (timings && first) {
                long done = System.nanoTime();
                out.append(", \"timings\": {")
                        .append("\"initMs\": ").append(ms(started, constructed))
                        .append(", \"beforeCheckpointMs\": ").append(ms(constructed, checkpointed))
                        .append(", \"afterRestoreMs\": ").append(ms(checkpointed, restored))
                        .append(", \"firstInvokeMs\": ").append(ms(invokeStart, done))
                        .append(", \"restoreToFirstResultMs\": ").append(ms(checkpointed, done))
                        .append(", \"mainToFirstResultMs\": ").append(ms(started, done))
                        .append("}");
            }
            first = false;
            protocol.println(out.append('}'));
        }
    }

    private static String ms(long from, long to) {
        return String.format(java.util.Locale.ROOT, "%.1f", (to - from) / 1e6);
    }

    private static void usage(String problem) {
        System.err.println("invoker: " + problem + "\nusage: InvokerMain --handler package.Class::handleRequest"
                + " [--snapstart] [--timings] < events.jsonl");
        System.exit(2);
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** The Lambda context, from the variables Lambda sets (with local defaults). */
    private static final class LocalContext implements Context {
        private static final Map<String, String> ENV = System.getenv();
        private final String requestId;

        LocalContext(String requestId) {
            this.requestId = requestId;
        }

        private static String env(String name, String fallback) {
            String value = ENV.get(name);
            return value == null || value.isEmpty() ? fallback : value;
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + getFunctionName());
        }

        @Override
        public String getLogStreamName() {
            return env("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        }

        @Override
        public String getFunctionName() {
            return env("AWS_LAMBDA_FUNCTION_NAME", "file-processor");
        }

        @Override
        public String getFunctionVersion() {
            return env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        }

        @Override
        public String getInvokedFunctionArn() {
            return env("LOCAL_INVOKED_FUNCTION_ARN",
                    "arn:aws:lambda:" + env("AWS_REGION", "us-east-1") + ":111111111111:function:" + getFunctionName());
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
            return 300_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return Integer.parseInt(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"));
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.err.print(message);
                }

                @Override
                public void log(byte[] message) {
                    System.err.write(message, 0, message.length);
                }
            };
        }
    }
}
