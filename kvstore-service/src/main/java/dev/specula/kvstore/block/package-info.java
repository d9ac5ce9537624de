/**
 * Domain values of the KV store: tenants, block keys, blocks, codecs and checksums. No Spring, gRPC or protobuf here;
 * the {@code grpc} package maps the wire messages onto these records.
 */
package dev.specula.kvstore.block;
