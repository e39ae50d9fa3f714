package com.example.fileprocessor;

/** The event is not an S3 event notification this function can process; nothing was read or written. */
public final class MalformedEventException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedEventException(String message) {
        super(message);
    }
}
