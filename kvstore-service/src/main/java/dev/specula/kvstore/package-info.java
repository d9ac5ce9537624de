/**
 * The KV store service: a Spring Boot application serving {@code specula.v1.KvStore} over gRPC. Everything it scans
 * lives under this package, so it can share a JVM with the other Specula services.
 */
package dev.specula.kvstore;
