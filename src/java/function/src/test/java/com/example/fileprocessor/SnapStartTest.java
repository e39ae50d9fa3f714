package com.example.fileprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The CRaC hooks: nothing connection-bound before the snapshot, priming without network, fresh client after restore. */
class SnapStartTest {
    private static Handler handler(Map<String, String> env, ByteArrayOutputStream logs) {
        return new Handler(env, UnaryOperator.identity(), Clock.systemUTC(), new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @Test
    void constructionCreatesNoClientOrConfiguration() {
        Handler handler = handler(Map.of("RESULTS_BUCKET", "results", "TRIGGER_BUCKET", "source", "AWS_REGION", "us-east-1"), new ByteArrayOutputStream());

        assertFalse(handler.hasClient());
        assertEquals(0, handler.clientsCreated());
    }

    @Test
    void beforeCheckpointPrimesWithoutNetworkAndKeepsNoClient() throws Exception {
        try (ServerSocket listener = new ServerSocket(0)) {
            listener.setSoTimeout(200);
            ByteArrayOutputStream logs = new ByteArrayOutputStream();
            Handler handler = handler(Map.of("RESULTS_BUCKET", "results", "TRIGGER_BUCKET", "source", "AWS_REGION", "us-east-1",
                    "AWS_ENDPOINT_URL", "http://127.0.0.1:" + listener.getLocalPort()), logs);

            handler.beforeCheckpoint(null);

            assertThrows(SocketTimeoutException.class, listener::accept, "priming must not connect anywhere");
            assertFalse(handler.hasClient());
            assertEquals(0, handler.clientsCreated());
            assertEquals("", logs.toString(StandardCharsets.UTF_8), "priming logs and metrics are discarded");
        }
    }

    @Test
    void primingRunsTheWholePathAgainstTheInMemoryS3() throws Exception {
        Handler handler = handler(Map.of(), new ByteArrayOutputStream());

        JsonNode result = Vectors.JSON.readTree(Priming.run(handler));

        assertEquals("recorded", result.at("/objects/0/outcome").asText());
    }

    @Test
    void primingCanBeTurnedOff() {
        assertFalse(handler(Map.of(Handler.PRIMING_VARIABLE, "off"), new ByteArrayOutputStream()).primingEnabled());
        assertTrue(handler(Map.of(), new ByteArrayOutputStream()).primingEnabled());
    }

    @Test
    void afterRestoreCreatesAFreshClientAndTheNextInvocationIsAColdStart() throws Exception {
        try (Harness h = new Harness()) {
            Handler handler = h.handler();
            JsonNode event = h.eventFor("restored.txt", "after restore\n".getBytes());
            Harness.invoke(handler, event); // a warm environment...
            handler.beforeCheckpoint(null); // ...snapshotted...
            assertFalse(handler.hasClient());

            handler.afterRestore(null); // ...and restored

            assertTrue(handler.hasClient());
            assertEquals(2, handler.clientsCreated());
            h.logBytes.reset();
            Harness.invoke(handler, event);
            JsonNode line = h.logLines().stream().filter(l -> l.has("outcome")).findFirst().orElseThrow();
            assertTrue(line.get("cold_start").asBoolean());
            assertTrue(h.logLines().stream().anyMatch(l -> l.has("ColdStart")));
        }
    }
}
