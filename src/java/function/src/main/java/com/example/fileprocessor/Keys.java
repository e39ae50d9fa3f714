package com.example.fileprocessor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Object identity and the results key: the contract shared with the Python function
 * ({@code src/file_processor/keys.py}); byte-identical keys, checked by {@code tests/vectors/results_keys.json}.
 *
 * <pre>
 *   &lt;RESULTS_PREFIX&gt;&lt;source bucket&gt;/&lt;sha256(key)&gt;/&lt;kind&gt;-&lt;sha256(id)&gt;.json
 * </pre>
 *
 * {@code sha256} is the lowercase hex SHA-256 of the UTF-8 bytes; {@code key} is the decoded key;
 * {@code kind}/{@code id} are {@code v} and the version ID when the event carries one other than
 * {@code "null"}, else {@code e} and the ETag without surrounding quotes.
 */
public final class Keys {
    public static final String UNVERSIONED_VERSION_ID = "null";

    private Keys() {}

    /** One object version named by an event: what is read, and what identifies the record. */
    public record ObjectRef(String bucket, String key, String etag, String versionId) {
        public boolean versioned() {
            return versionId != null && !versionId.isEmpty() && !UNVERSIONED_VERSION_ID.equals(versionId);
        }
    }

    /**
     * Decode a key as S3 event notifications send it: Python's {@code urllib.parse.unquote_plus}
     * with strict UTF-8. {@code +} becomes a space; each run of ASCII characters is percent-decoded
     * to bytes ({@code %} not followed by two hex digits stays as it is) and read as strict UTF-8;
     * other characters pass through.
     *
     * @throws CharacterCodingException when the decoded bytes are not UTF-8
     */
    public static String decodeEventKey(String raw) throws CharacterCodingException {
        String text = raw.replace('+', ' ');
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int start = i;
            if (text.charAt(i) < 0x80) {
                while (i < text.length() && text.charAt(i) < 0x80) {
                    i++;
                }
                out.append(decodeAsciiRun(text.substring(start, i)));
            } else {
                while (i < text.length() && text.charAt(i) >= 0x80) {
                    i++;
                }
                out.append(text, start, i);
            }
        }
        return out.toString();
    }

    private static String decodeAsciiRun(String run) throws CharacterCodingException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(run.length());
        for (int i = 0; i < run.length(); i++) {
            char c = run.charAt(i);
            if (c == '%' && i + 2 < run.length() && isHex(run.charAt(i + 1)) && isHex(run.charAt(i + 2))) {
                bytes.write(Character.digit(run.charAt(i + 1), 16) * 16 + Character.digit(run.charAt(i + 2), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes.toByteArray()))
                .toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** ETag without surrounding whitespace and the double quotes S3 responses carry and events do not. */
    public static String normalizeEtag(String etag) {
        return PyText.strip(PyText.strip(etag), '"');
    }

    /** The results key for {@code ref} under {@code prefix}. */
    public static String resultsKey(String prefix, ObjectRef ref) {
        String identity = ref.versioned()
                ? "v-" + sha256Hex(ref.versionId())
                : "e-" + sha256Hex(normalizeEtag(ref.etag()));
        return prefix + ref.bucket() + "/" + sha256Hex(ref.key()) + "/" + identity + ".json";
    }

    static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
