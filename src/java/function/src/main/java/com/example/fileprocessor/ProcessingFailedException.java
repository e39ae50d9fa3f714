package com.example.fileprocessor;

/**
 * At least one object failed (access denied or another error); the message names each one and why.
 * Thrown after every other record of the event is done, so the asynchronous retry and the
 * on-failure destination keep the event.
 */
public final class ProcessingFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcessingFailedException(String message) {
        super(message);
    }
}
