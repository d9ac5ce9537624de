{{/*
Component configuration as environment variables. Spring Boot's relaxed binding maps each one onto the
property named in the comment; the services' defaults live in their <name>.yaml and *Properties classes.
Each takes the root context. Every SPECULA_* name here must bind to a component of a @ConfigurationProperties
record (Spring ignores unknown variables silently): deploy-tests' SpringBindingTest checks that.
*/}}

{{- define "specula.router.env" -}}
{{- $v := .Values.router -}}
{{- $drafterTarget := $v.backends.drafterTarget | default (include "specula.grpcTarget" (dict "root" . "component" "drafter")) -}}
{{- $verifierTarget := $v.backends.verifierTarget | default (include "specula.grpcTarget" (dict "root" . "component" "verifier")) -}}
# specula.router.*
- name: SPECULA_ROUTER_MODEL_PATH
  value: {{ printf "%s/%s" (include "specula.modelRoot" .) $v.model.dir | quote }}
- name: SPECULA_ROUTER_SERVED_MODEL_NAME
  value: {{ $v.config.servedModelName | quote }}
- name: SPECULA_ROUTER_MAX_TOKENS_CAP
  value: {{ $v.config.maxTokensCap | quote }}
- name: SPECULA_ROUTER_DEFAULT_DRAFT_LENGTH
  value: {{ $v.config.defaultDraftLength | quote }}
- name: SPECULA_ROUTER_REQUEST_TIMEOUT
  value: {{ $v.config.requestTimeout | quote }}
- name: SPECULA_ROUTER_FALLBACK_TO_TARGET_ONLY
  value: {{ $v.config.fallbackToTargetOnly | quote }}
# specula.router.http.max-body-size (the gRPC door's limit, SPRING_GRPC_SERVER_INBOUND_MESSAGE_MAX_SIZE, is the same)
- name: SPECULA_ROUTER_HTTP_MAX_BODY_SIZE
  value: {{ $v.config.maxRequestSize | quote }}
# specula.router.discovery.* (kubernetes: EndpointSlices of this release's drafters and verifiers, ready only)
- name: SPECULA_ROUTER_DISCOVERY_MODE
  value: {{ $v.discovery.mode | quote }}
{{- if eq $v.discovery.mode "kubernetes" }}
- name: SPECULA_ROUTER_DISCOVERY_DRAFTER_SELECTOR
  value: {{ include "specula.discoverySelector" (dict "root" . "role" "drafter") | quote }}
- name: SPECULA_ROUTER_DISCOVERY_VERIFIER_SELECTOR
  value: {{ include "specula.discoverySelector" (dict "root" . "role" "verifier") | quote }}
{{- if .Values.tls.enabled }}
# Discovered pods are dialed by address over the mesh bundle (channel "default"), their certificate checked
# against the Service name it carries.
- name: SPECULA_ROUTER_DISCOVERY_DRAFTER_AUTHORITY
  value: {{ include "specula.componentName" (dict "root" . "component" "drafter") | quote }}
- name: SPECULA_ROUTER_DISCOVERY_VERIFIER_AUTHORITY
  value: {{ include "specula.componentName" (dict "root" . "component" "verifier") | quote }}
{{ include "specula.defaultChannelTls" . }}
{{- end }}
{{- end }}
- name: SPECULA_ROUTER_DISCOVERY_ZONE
  value: {{ $v.discovery.zone | quote }}
# specula.router.failover.*
- name: SPECULA_ROUTER_FAILOVER_MAX_RESUMES
  value: {{ $v.failover.maxResumes | quote }}
- name: SPECULA_ROUTER_FAILOVER_STALL_TIMEOUT
  value: {{ $v.failover.stallTimeout | quote }}
# spring.grpc.client.channel.drafter.* / .verifier.*
{{ include "specula.channelEnv" (dict "root" . "channel" "drafter" "target" $drafterTarget) }}
{{ include "specula.channelEnv" (dict "root" . "channel" "verifier" "target" $verifierTarget) }}
{{- end -}}

{{- define "specula.drafter.env" -}}
{{- $v := .Values.drafter -}}
{{- $verifierTarget := $v.verifierTarget | default (include "specula.grpcTarget" (dict "root" . "component" "verifier")) -}}
# specula.drafter.*
- name: SPECULA_DRAFTER_MODEL_PATH
  value: {{ printf "%s/%s" (include "specula.modelRoot" .) $v.model.dir | quote }}
- name: SPECULA_DRAFTER_DEFAULT_DRAFT_LENGTH
  value: {{ $v.config.defaultDraftLength | quote }}
- name: SPECULA_DRAFTER_MAX_DRAFT_LENGTH
  value: {{ $v.config.maxDraftLength | quote }}
- name: SPECULA_DRAFTER_MAX_NEW_TOKENS_CAP
  value: {{ $v.config.maxNewTokensCap | quote }}
- name: SPECULA_DRAFTER_ROUND_TIMEOUT
  value: {{ $v.config.roundTimeout | quote }}
- name: SPECULA_DRAFTER_DRAFT_STEP_DEADLINE
  value: {{ $v.config.draftStepDeadline | quote }}
- name: SPECULA_DRAFTER_INTRA_OP_THREADS
  value: {{ $v.config.intraOpThreads | quote }}
{{- if eq .Values.router.discovery.mode "kubernetes" }}
# The router places each request on a verifier pod it discovered; only the router reaches drafters (NetworkPolicy).
- name: SPECULA_DRAFTER_ROUTED_VERIFIERS
  value: "*"
{{- if .Values.tls.enabled }}
# Routed verifiers are pod addresses: dialed over the mesh bundle, checked against the verifier Service name.
- name: SPECULA_DRAFTER_ROUTED_VERIFIER_AUTHORITY
  value: {{ include "specula.componentName" (dict "root" . "component" "verifier") | quote }}
{{ include "specula.defaultChannelTls" . }}
{{- end }}
{{- end }}
# spring.grpc.client.channel.verifier.*
{{ include "specula.channelEnv" (dict "root" . "channel" "verifier" "target" $verifierTarget) }}
{{- end -}}

{{- define "specula.verifier.env" -}}
{{- $v := .Values.verifier -}}
# specula.verifier.*
- name: SPECULA_VERIFIER_MODEL_PATH
  value: {{ printf "%s/%s" (include "specula.modelRoot" .) $v.model.dir | quote }}
- name: SPECULA_VERIFIER_MAX_SESSIONS
  value: {{ $v.config.maxSessions | quote }}
- name: SPECULA_VERIFIER_MAX_NEW_TOKENS_CAP
  value: {{ $v.config.maxNewTokensCap | quote }}
- name: SPECULA_VERIFIER_INTRA_OP_THREADS
  value: {{ $v.config.intraOpThreads | quote }}
{{- if $v.gpu.enabled }}
# ONNX Runtime's CUDA provider on the pod's first accelerator (the image must carry onnxruntime_gpu)
- name: SPECULA_VERIFIER_CUDA_DEVICE
  value: "0"
{{- end }}
{{- if or .Values.kvstore.enabled $v.kvstoreTarget }}
{{- $kvstoreTarget := $v.kvstoreTarget | default (include "specula.grpcTarget" (dict "root" . "component" "kvstore")) }}
# spring.grpc.client.channel.kvstore.* (the verifier offloads and restores KV blocks only when this target is set)
{{ include "specula.channelEnv" (dict "root" . "channel" "kvstore" "target" $kvstoreTarget) }}
{{- end }}
{{- end -}}

{{- define "specula.kvstore.env" -}}
{{- $v := .Values.kvstore -}}
# specula.kvstore.*
- name: SPECULA_KVSTORE_MEMORY_BYTES
  value: {{ $v.config.memoryBytes | quote }}
- name: SPECULA_KVSTORE_PAGE_BYTES
  value: {{ $v.config.pageBytes | quote }}
- name: SPECULA_KVSTORE_MAX_BLOCK_BYTES
  value: {{ $v.config.maxBlockBytes | quote }}
- name: SPECULA_KVSTORE_MAX_KEYS_PER_REQUEST
  value: {{ $v.config.maxKeysPerRequest | quote }}
- name: SPECULA_KVSTORE_STREAM_STALL_TIMEOUT
  value: {{ $v.config.streamStallTimeout | quote }}
- name: SPECULA_KVSTORE_FLUSH_TIMEOUT
  value: {{ $v.config.flushTimeout | quote }}
{{- if $v.persistence.enabled }}
# specula.kvstore.disk.* (the disk tier is off without a path)
- name: SPECULA_KVSTORE_DISK_PATH
  value: {{ $v.persistence.mountPath | quote }}
- name: SPECULA_KVSTORE_DISK_BYTES
  value: {{ $v.persistence.diskBytes | quote }}
{{- end }}
{{- with $v.redis.existingSecret }}
# specula.kvstore.redis.* (the URI may carry a password: from a Secret, never a value)
- name: SPECULA_KVSTORE_REDIS_URI
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.redis.uriKey }}
- name: SPECULA_KVSTORE_REDIS_BYTES
  value: {{ $v.redis.bytes | quote }}
- name: SPECULA_KVSTORE_REDIS_NAMESPACE
  value: {{ $v.redis.namespace | quote }}
{{- end }}
{{- end -}}


{{/* Label selector of this release's EndpointSlices of one backend role (labels copied from the Services). */}}
{{- define "specula.discoverySelector" -}}
app.kubernetes.io/name={{ include "specula.name" .root }},app.kubernetes.io/instance={{ .root.Release.Name }},specula.dev/backend={{ .role }}
{{- end -}}
