package com.example.fileprocessor;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Content-type detection from an object's first bytes, and the declared/detected mismatch rule: a
 * port of the Python function's {@code src/file_processor/detect.py}, with the same results.
 *
 * <ol>
 *   <li>Empty object: nothing detected (method {@code empty}).</li>
 *   <li>Magic numbers: puremagic's signature table ({@code puremagic-magic_data.json}, the
 *       table of the puremagic version the Python layer pins, MIT licence beside it) and its
 *       matching rules ({@code identify_all}: headers, footers, multi-part signatures, confidence by
 *       signature length), ported here. The best match whose signature is at least 3 bytes long
 *       and names a MIME type wins (method {@code magic}); a ZIP local-file header is reported as
 *       {@code application/zip}.</li>
 *   <li>Text: no C0 control bytes besides tab, LF, FF, CR and ESC, and valid UTF-8 (an incomplete
 *       character cut by the end of the sample is allowed). A complete sample that parses as a
 *       JSON object or array is {@code application/json} (method {@code json}), else
 *       {@code text/plain} (method {@code text}).</li>
 *   <li>Anything else: nothing detected (method {@code unknown}).</li>
 * </ol>
 */
public final class Detect {
    public static final int SAMPLE_BYTES = 64 * 1024;
    public static final int MIN_SIGNATURE_BYTES = 3;
    private static final byte[] ZIP_LOCAL_HEADER = {'P', 'K', 3, 4};

    /** What was detected. */
    public record Detection(String mimeType, String extension, String name, String method) {}

    /** Detection (or null) and the method that decided. */
    public record Result(Detection detection, String method) {}

    private Detect() {}

    public static Result detect(byte[] sample, boolean complete) {
        return detect(sample, sample.length, complete);
    }

    /** Detect the type from the first {@code length} bytes of {@code sample}; {@code complete} says they are all of it. */
    public static Result detect(byte[] sample, int length, boolean complete) {
        if (length == 0) {
            return new Result(null, "empty");
        }
        Detection found = magic(sample, length);
        if (found == null) {
            found = text(sample, length, complete);
        }
        return found == null ? new Result(null, "unknown") : new Result(found, found.method());
    }

    // ----------------------------------------------------------------------------------------------
    // Magic numbers: puremagic 2.2.0's identify_all() and determine_confidence(), without a filename.

    private record Signature(byte[] bytes, int offset, String extension, String mimeType, String name) {}

    private static final class Table {
        static final List<Signature> HEADERS;
        static final List<Signature> FOOTERS;
        static final Map<ByteBuffer, List<Signature>> MULTI_PART;
        static final int MAX_HEAD;
        static final int MAX_FOOT;

        static {
            JsonNode data;
            try (InputStream in = Detect.class.getResourceAsStream("puremagic-magic_data.json")) {
                if (in == null) {
                    throw new IllegalStateException("puremagic-magic_data.json is missing from the function package");
                }
                data = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Comparator<Signature> byBytes = (a, b) -> Arrays.compareUnsigned(a.bytes(), b.bytes());
            HEADERS = signatures(data.get("headers"));
            HEADERS.sort(byBytes); // stable, like Python's sorted()
            FOOTERS = signatures(data.get("footers"));
            FOOTERS.sort(byBytes);
            MULTI_PART = new HashMap<>();
            data.get("multi-part").fields().forEachRemaining(entry -> MULTI_PART.put(
                    ByteBuffer.wrap(HexFormat.of().parseHex(entry.getKey())), signatures(entry.getValue())));
            int head = 0;
            int foot = 0;
            for (Signature s : HEADERS) {
                head = Math.max(head, s.bytes().length + s.offset());
            }
            for (Signature s : FOOTERS) {
                foot = Math.max(foot, s.bytes().length + Math.abs(s.offset()));
            }
            for (List<Signature> options : MULTI_PART.values()) {
                for (Signature s : options) {
                    if (s.offset() < 0) {
                        foot = Math.max(foot, s.bytes().length + Math.abs(s.offset()));
                    } else {
                        head = Math.max(head, s.bytes().length + s.offset());
                    }
                }
            }
            MAX_HEAD = head;
            MAX_FOOT = foot;
        }

        private static List<Signature> signatures(JsonNode rows) {
            List<Signature> out = new ArrayList<>(rows.size());
            for (JsonNode row : rows) {
                out.add(new Signature(HexFormat.of().parseHex(row.get(0).asText()), row.get(1).asInt(),
                        row.get(2).asText(), row.get(3).asText(), row.get(4).asText()));
            }
            return out;
        }
    }

    private record Match(byte[] bytes, int offset, String extension, String mimeType, String name) {
        int rank() {
            return Math.min(bytes.length, 8); // puremagic: confidence 0.1 per byte, 0.8 from 8 bytes on
        }
    }

    /** Python's {@code data[start:end]} (None end = open). */
    private static byte[] slice(byte[] data, int start, Integer end) {
        int n = data.length;
        int from = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        int to = end == null ? n : end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        return from >= to ? new byte[0] : Arrays.copyOfRange(data, from, to);
    }

    private static byte[] footerArea(byte[] footer, Signature s) {
        int end = s.offset() + s.bytes().length;
        return slice(footer, s.offset(), end != 0 ? end : null);
    }

    static List<Match> identifyAll(byte[] header, byte[] footer) {
        List<Match> matches = new ArrayList<>();
        List<Signature> matchedSignatures = new ArrayList<>();
        for (Signature s : Table.HEADERS) {
            int end = s.offset() + s.bytes().length;
            if (end > header.length) {
                continue;
            }
            if (Arrays.equals(slice(header, s.offset(), end), s.bytes())) {
                matchedSignatures.add(s);
            }
        }
        for (Signature s : Table.FOOTERS) {
            if (Arrays.equals(footerArea(footer, s), s.bytes())) {
                matchedSignatures.add(s);
            }
        }
        Set<Match> multi = new LinkedHashSet<>();
        for (Signature matched : matchedSignatures) {
            matches.add(new Match(matched.bytes(), matched.offset(), matched.extension(), matched.mimeType(), matched.name()));
            List<Signature> options = Table.MULTI_PART.get(ByteBuffer.wrap(matched.bytes()));
            if (options == null) {
                continue;
            }
            for (Signature option : options) {
                int end = option.offset() + option.bytes().length;
                if (option.offset() < 0) {
                    if (Arrays.equals(footerArea(footer, option), option.bytes())) {
                        byte[] joined = Arrays.copyOf(matched.bytes(), matched.bytes().length + option.bytes().length);
                        System.arraycopy(option.bytes(), 0, joined, matched.bytes().length, option.bytes().length);
                        multi.add(new Match(joined, option.offset(), option.extension(), option.mimeType(), option.name()));
                    }
                } else if (end <= header.length && Arrays.equals(slice(header, option.offset(), end), option.bytes())) {
                    multi.add(new Match(slice(header, matched.offset(), end), option.offset(),
                            option.extension(), option.mimeType(), option.name()));
                }
            }
        }
        matches.addAll(multi);
        // determine_confidence: sorted by (confidence, signature length), highest first; stable.
        matches.sort(Comparator.comparingInt(Match::rank).thenComparingInt(m -> m.bytes().length).reversed());
        return matches;
    }

    private static Detection magic(byte[] sample, int length) {
        byte[] data = length == sample.length ? sample : Arrays.copyOf(sample, length);
        byte[] header = slice(data, 0, Table.MAX_HEAD);
        byte[] footer = slice(data, -Table.MAX_FOOT, null);
        for (Match match : identifyAll(header, footer)) {
            if (match.bytes().length < MIN_SIGNATURE_BYTES || match.mimeType().isEmpty()) {
                continue;
            }
            if (match.extension().startsWith(".puremagic")) {
                continue; // puremagic's own test fixtures
            }
            if (match.offset() == 0 && match.bytes().length >= 4
                    && Arrays.equals(match.bytes(), 0, 4, ZIP_LOCAL_HEADER, 0, 4)) {
                return new Detection("application/zip", ".zip", "ZIP archive", "magic");
            }
            return new Detection(match.mimeType().toLowerCase(Locale.ROOT), match.extension(), match.name(), "magic");
        }
        return null;
    }

    // ----------------------------------------------------------------------------------------------
    // Text and JSON.

    /** Python's json.loads: NaN/Infinity allowed, trailing content refused, strict strings. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static Detection text(byte[] sample, int length, boolean complete) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(sample, 0, length);
        CharBuffer out = CharBuffer.allocate(length + 1);
        CoderResult result = decoder.decode(in, out, complete);
        if (result.isError()) {
            return null;
        }
        if (complete) {
            if (decoder.flush(out).isError()) {
                return null;
            }
        } else if (in.remaining() > 3) {
            return null; // only an incomplete final character may stay undecoded
        }
        out.flip();
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c < ' ' && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1b) {
                return null;
            }
        }
        if (complete) {
            String text = out.toString();
            if (text.startsWith("\ufeff")) {
                text = text.substring(1);
            }
            if (isJsonContainer(text)) {
                return new Detection("application/json", ".json", "JSON document", "json");
            }
        }
        return new Detection("text/plain", ".txt", "UTF-8 text", "text");
    }

    private static boolean isJsonContainer(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && (node.isObject() || node.isArray());
        } catch (IOException | RuntimeException notJson) {
            return false;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Declared type and the mismatch rule.

    private static final Set<String> GENERIC_TYPES =
            Set.of("application/octet-stream", "binary/octet-stream", "application/unknown");
    private static final Map<String, String> ALIASES = Map.of(
            "image/jpg", "image/jpeg",
            "image/pjpeg", "image/jpeg",
            "application/x-pdf", "application/pdf",
            "application/x-zip-compressed", "application/zip",
            "application/x-zip", "application/zip",
            "application/gzip", "application/x-gzip",
            "text/json", "application/json");
    private static final Set<String> ZIP_CONTAINER_TYPES = Set.of(
            "application/java-archive", "application/epub+zip", "application/vnd.android.package-archive");
    private static final List<String> ZIP_CONTAINER_PREFIXES = List.of(
            "application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.");
    private static final Set<String> TEXT_TYPES = Set.of(
            "application/json", "application/xml", "application/javascript", "application/x-ndjson",
            "application/yaml", "application/x-yaml", "application/sql", "application/csv");

    /** Lowercase media type without parameters ({@code text/plain; charset=utf-8} -> {@code text/plain}), or null. */
    public static String normalizeContentType(String contentType) {
        if (contentType == null || contentType.isEmpty()) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = PyText.strip(semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .toLowerCase(Locale.ROOT);
        return mediaType.isEmpty() ? null : mediaType;
    }

    private static String canonical(String mimeType) {
        return ALIASES.getOrDefault(mimeType, mimeType);
    }

    private static boolean isTextType(String mimeType) {
        return mimeType.startsWith("text/") || TEXT_TYPES.contains(mimeType)
                || mimeType.endsWith("+json") || mimeType.endsWith("+xml") || mimeType.endsWith("+yaml");
    }

    /**
     * True when the declared content type contradicts the content. No mismatch when nothing was
     * declared, the declared type is generic, nothing was detected, or the two agree: equal after
     * aliases; ZIP detected and a ZIP container declared; plain text detected and any text type
     * declared; JSON detected and {@code text/plain} or a {@code +json} type declared.
     */
    public static boolean isMismatch(String declared, Detection detected) {
        String declaredType = normalizeContentType(declared);
        if (declaredType == null || GENERIC_TYPES.contains(declaredType) || detected == null) {
            return false;
        }
        declaredType = canonical(declaredType);
        String detectedType = canonical(detected.mimeType());
        if (declaredType.equals(detectedType)) {
            return false;
        }
        if (detectedType.equals("application/zip") && (ZIP_CONTAINER_TYPES.contains(declaredType)
                || ZIP_CONTAINER_PREFIXES.stream().anyMatch(declaredType::startsWith))) {
            return false;
        }
        if (detectedType.equals("text/plain") && isTextType(declaredType)) {
            return false;
        }
        return !(detectedType.equals("application/json")
                && (declaredType.equals("text/plain") || declaredType.endsWith("+json")));
    }

    /** Load the signature table and JSON parser now (SnapStart priming). */
    static void warmUp() {
        detect(new byte[] {'{', '"', 'a', '"', ':', '1', '}'}, true);
        detect(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, true);
    }
}
