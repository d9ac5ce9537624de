package dev.specula.router.http;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spring MVC's own refusals on the inference port (unknown path, wrong method, ...) in the OpenAI error shape, so
 * clients get one error format whatever went wrong.
 */
@RestControllerAdvice
public class ErrorAdvice {
    private final JsonMapper json;

    public ErrorAdvice(JsonMapper json) {
        this.json = json;
    }

    @ExceptionHandler(org.springframework.web.ErrorResponseException.class)
    ResponseEntity<byte[]> errorResponse(org.springframework.web.ErrorResponseException e) {
        return shape(e);
    }

    @ExceptionHandler({org.springframework.web.servlet.resource.NoResourceFoundException.class,
            org.springframework.web.HttpRequestMethodNotSupportedException.class,
            org.springframework.web.HttpMediaTypeNotSupportedException.class,
            org.springframework.web.HttpMediaTypeNotAcceptableException.class})
    ResponseEntity<byte[]> servletError(Exception e) {
        return shape((ErrorResponse) e);
    }

    private ResponseEntity<byte[]> shape(ErrorResponse error) {
        int status = error.getStatusCode().value();
        String type = status == 404 ? "invalid_request_error" : status >= 500 ? "server_error" : "invalid_request_error";
        String message = error.getBody().getDetail() != null ? error.getBody().getDetail()
                : error.getBody().getTitle();
        ApiException api = new ApiException(status, type, message, null, null, 0, false);
        HttpHeaders headers = new HttpHeaders();
        headers.putAll(error.getHeaders());
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new ResponseEntity<>(json.writeValueAsBytes(ApiErrors.body(json, api)), headers, status);
    }
}
