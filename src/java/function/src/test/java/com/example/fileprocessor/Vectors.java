package com.example.fileprocessor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The shared test vectors (tests/vectors/) and event fixtures (tests/events/) the Python suite reads too. */
final class Vectors {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of(System.getProperty("repo.root", "../../..")).toAbsolutePath().normalize();
    static final Path DIR = ROOT.resolve("tests/vectors");

    private Vectors() {}

    static JsonNode read(String relative) {
        try {
            return JSON.readTree(ROOT.resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + relative + " under " + ROOT, e);
        }
    }

    static JsonNode event(String name) {
        return read("tests/events/" + name);
    }

    static byte[] body(String bodyFile) {
        try {
            return Files.readAllBytes(DIR.resolve(bodyFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A vector with its ${md5}/${sha256} placeholders replaced by the body's digests (and text substitutions). */
    static JsonNode withDigests(JsonNode value, byte[] body, String... replacements) {
        String text = value.toString()
                .replace("${md5}", hex("MD5", body))
                .replace("${sha256}", hex("SHA-256", body));
        for (int i = 0; i + 1 < replacements.length; i += 2) {
            text = text.replace(replacements[i], replacements[i + 1]);
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
