package com.example.fileprocessor;

import java.math.BigInteger;

/**
 * The few Python text behaviours the contract depends on, so both implementations agree on
 * messages and edge cases: {@code str.strip()} whitespace, {@code repr()} of a string and
 * {@code int()} of a string.
 */
final class PyText {
    private PyText() {}

    /** Python's {@code str.isspace()} for one UTF-16 unit (all Python whitespace is in the BMP). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u0085' || c == '\u00a0' || c == '\u2007' || c == '\u202f';
    }

    /** Python's {@code str.strip()} with no argument. */
    static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /** Python's {@code str.strip(chars)} for one character. */
    static String strip(String text, char ch) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == ch) {
            start++;
        }
        while (end > start && text.charAt(end - 1) == ch) {
            end--;
        }
        return text.substring(start, end);
    }

    /** Python's {@code repr()} of a string: single quotes unless it holds ' and no ". */
    static String repr(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(text.length() + 2).append(quote);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == quote || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append(quote).toString();
    }

    /**
     * Python's {@code int(text)} for a string: surrounding whitespace, an optional sign, decimal
     * digits with single underscores between them. Returns null when Python would raise ValueError.
     */
    static BigInteger parseInt(String text) {
        String s = strip(text);
        int i = 0;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        if (i >= s.length()) {
            return null;
        }
        StringBuilder digits = new StringBuilder();
        boolean lastWasDigit = false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            int digit = Character.digit(c, 10);
            if (digit >= 0) {
                digits.append((char) ('0' + digit));
                lastWasDigit = true;
            } else if (c == '_' && lastWasDigit && i + 1 < s.length()) {
                lastWasDigit = false;
            } else {
                return null;
            }
        }
        if (!lastWasDigit) {
            return null;
        }
        BigInteger value = new BigInteger(digits.toString());
        return negative ? value.negate() : value;
    }
}
