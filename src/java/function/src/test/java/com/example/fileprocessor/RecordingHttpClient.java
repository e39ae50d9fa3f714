package com.example.fileprocessor;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Tests only: the real URLConnection client to moto, recording every request (retries included) and
 * letting a test answer chosen requests itself, with a real S3-shaped HTTP response (an S3 error
 * document) that the SDK parses as it would S3's. Installed through the handler's builder hook.
 */
final class RecordingHttpClient implements SdkHttpClient {
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final SdkHttpClient delegate = UrlConnectionHttpClient.create();
    private final Function<SdkHttpRequest, HttpExecuteResponse> override;

    RecordingHttpClient(Function<SdkHttpRequest, HttpExecuteResponse> override) {
        this.override = override;
    }

    RecordingHttpClient() {
        this(request -> null);
    }

    static HttpExecuteResponse s3Error(int status, String code, String message) {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>TEST</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        return HttpExecuteResponse.builder()
                .response(SdkHttpResponse.builder().statusCode(status)
                        .putHeader("Content-Type", "application/xml")
                        .putHeader("Content-Length", String.valueOf(body.length)).build())
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                .build();
    }

    long count(String method) {
        return requests.stream().filter(r -> r.startsWith(method + " ")).count();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        SdkHttpRequest http = request.httpRequest();
        requests.add(http.method() + " " + http.encodedPath());
        HttpExecuteResponse answer = override.apply(http);
        if (answer == null) {
            return delegate.prepareRequest(request);
        }
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                return answer;
            }

            @Override
            public void abort() {}
        };
    }

    @Override
    public void close() {
        delegate.close();
    }
}
