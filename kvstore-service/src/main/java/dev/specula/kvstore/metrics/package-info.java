/** Micrometer meters of the KV store, exported by Prometheus as {@code specula_kvstore_*}. */
package dev.specula.kvstore.metrics;
