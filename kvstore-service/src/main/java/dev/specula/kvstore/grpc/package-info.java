/**
 * The gRPC edge of the KV store: the {@code KvStore} service adapter, the proto/domain mapper and the two streaming
 * helpers. Generated protobuf types appear only in this package.
 */
package dev.specula.kvstore.grpc;
