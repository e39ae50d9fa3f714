package com.example.fileprocessor;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * One moto server (.venv/bin/moto_server, or MOTO_SERVER) on a free loopback port for the whole test
 * JVM, stopped when the JVM exits. The S3 API the function talks to is moto's, over real HTTP, so the
 * SDK's marshalling, signing, checksums and error parsing are all exercised.
 */
final class MotoServer {
    private static String endpoint;

    private MotoServer() {}

    static synchronized String endpoint() {
        if (endpoint == null) {
            endpoint = start();
        }
        return endpoint;
    }

    private static String start() {
        Path executable = Path.of(System.getenv().getOrDefault("MOTO_SERVER",
                Vectors.ROOT.resolve(".venv/bin/moto_server").toString()));
        if (!Files.isExecutable(executable)) {
            throw new IllegalStateException(executable + " is missing: run `make setup` (the tests need moto's server)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            Process process = new ProcessBuilder(executable.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            String url = "http://127.0.0.1:" + port;
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("moto_server exited with code " + process.exitValue());
                }
                try {
                    HttpURLConnection connection = (HttpURLConnection) URI.create(url + "/moto-api/").toURL().openConnection();
                    connection.setConnectTimeout(1000);
                    if (connection.getResponseCode() == 200) {
                        return url;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            throw new IllegalStateException("moto_server did not start on " + url);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
