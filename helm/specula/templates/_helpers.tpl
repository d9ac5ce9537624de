{{/*
Names. Components are addressed by their values key (router, drafter, edgeDrafter, verifier, kvstore); resource
names use its kebab-case form (edge-drafter), and the app.kubernetes.io/component label the conventional spelling
(kv-store for kvstore, edge-drafter for edgeDrafter).
*/}}
{{- define "specula.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "specula.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "specula.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name of a component: {{ include "specula.componentName" (dict "root" $ "component" "verifier") }} */}}
{{- define "specula.componentName" -}}
{{- printf "%s-%s" (include "specula.fullname" .root) (kebabcase .component) -}}
{{- end -}}

{{/* Value of app.kubernetes.io/component. */}}
{{- define "specula.componentLabel" -}}
{{- if eq .component "kvstore" -}}kv-store{{- else -}}{{ kebabcase .component }}{{- end -}}
{{- end -}}

{{/* Labels of every object. Pass (dict "root" $ "component" "router"); component may be "" for release-wide objects. */}}
{{- define "specula.labels" -}}
helm.sh/chart: {{ include "specula.chart" .root }}
app.kubernetes.io/name: {{ include "specula.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: specula
{{- if .component }}
app.kubernetes.io/component: {{ include "specula.componentLabel" . }}
{{- end }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Immutable selector labels: name + instance + component only. */}}
{{- define "specula.selectorLabels" -}}
app.kubernetes.io/name: {{ include "specula.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ include "specula.componentLabel" . }}
{{- end -}}

{{/* metadata.annotations of every object, already indented: use as {{- include "specula.annotations" . }} */}}
{{- define "specula.annotations" -}}
{{- with .Values.commonAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end -}}

{{/*
Image reference: registry/repository:tag or registry/repository@digest; global.imageRegistry wins.
Pass (dict "root" $ "image" .Values.router.image).
*/}}
{{- define "specula.image" -}}
{{- $registry := .image.registry -}}
{{- if .root.Values.global.imageRegistry -}}{{- $registry = .root.Values.global.imageRegistry -}}{{- end -}}
{{- $ref := .image.repository -}}
{{- if $registry -}}{{- $ref = printf "%s/%s" $registry .image.repository -}}{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- $tag := .image.tag | toString -}}
{{- if or (not $tag) (eq $tag "latest") -}}{{- fail (printf "image %s: pin a tag (never latest) or a digest" .image.repository) -}}{{- end -}}
{{- printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- end -}}

{{/* Pod-level imagePullSecrets, already indented for a pod spec inside a template: {{- include "specula.imagePullSecrets" $root }} */}}
{{- define "specula.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
  imagePullSecrets:
  {{- range . }}
    - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* ServiceAccount of a component: (dict "root" $ "component" "drafter"). */}}
{{- define "specula.serviceAccountName" -}}
{{- $sa := ternary .root.Values.router.serviceAccount .root.Values.serviceAccount (eq .component "router") -}}
{{- if and $sa.create (eq .component "router") -}}
{{- default (include "specula.componentName" .) $sa.name -}}
{{- else if $sa.create -}}
{{- include "specula.componentName" . -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/* Folder that holds the model folders inside the containers. */}}
{{- define "specula.modelRoot" -}}
{{- if eq .Values.models.source "bundled" -}}{{ .Values.models.bundledRoot }}{{- else -}}{{ .Values.models.mountPath }}{{- end -}}
{{- end -}}

{{/* gRPC target of a component's Service: (dict "root" $ "component" "verifier"). */}}
{{- define "specula.grpcTarget" -}}
{{- $name := include "specula.componentName" . -}}
{{- $port := (index .root.Values .component).service.ports.grpc -}}
{{- if eq .root.Values.channels.mode "dns" -}}
{{- printf "dns:///%s-headless.%s.svc.%s:%v" $name .root.Release.Namespace .root.Values.clusterDomain $port -}}
{{- else -}}
{{- printf "static://%s:%v" $name $port -}}
{{- end -}}
{{- end -}}

{{- define "specula.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "specula.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{/* Environment of a gRPC client channel: (dict "root" $ "channel" "verifier" "target" "static://…"). */}}
{{- define "specula.channelEnv" -}}
{{- $prefix := printf "SPRING_GRPC_CLIENT_CHANNEL_%s" (upper .channel) -}}
- name: {{ $prefix }}_TARGET
  value: {{ .target | quote }}
- name: {{ $prefix }}_INBOUND_MESSAGE_MAX_SIZE
  value: {{ .root.Values.channels.maxInboundMessageSize | quote }}
{{- if eq .root.Values.channels.mode "dns" }}
- name: {{ $prefix }}_DEFAULT_LOAD_BALANCING_POLICY
  value: round_robin
{{- end }}
{{- if .root.Values.tls.enabled }}
- name: {{ $prefix }}_SSL_ENABLED
  value: "true"
- name: {{ $prefix }}_SSL_BUNDLE
  value: specula
{{- end }}
{{- end -}}

{{/* TLS of the unnamed channels a component dials by address (spring.grpc.client.channel.default.*). */}}
{{- define "specula.defaultChannelTls" -}}
- name: SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_ENABLED
  value: "true"
- name: SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_BUNDLE
  value: specula
{{- end -}}

{{/*
The pod template shared by the components.
Pass (dict "root" $ "component" "verifier" "env" (list of env var maps as YAML text) "grpcProbes" true).
Optional "values": the component's settings when they are not `.Values.<component>` as such (the edge drafter
passes the drafter's values with its own placement, see edge-drafter/deployment.yaml).
*/}}
{{- define "specula.podTemplate" -}}
{{- $root := .root -}}
{{- $v := .values | default (index $root.Values .component) -}}
{{- $ctx := dict "root" $root "component" .component -}}
{{- $models := $root.Values.models -}}
{{- $grpcProbes := and .grpcProbes (not $root.Values.tls.enabled) -}}
{{- $managementPort := int (dig "containerPorts" "management" 0 $v) -}}
{{- $actuatorPort := ternary "management" "http" (gt $managementPort 0) -}}
metadata:
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
    {{- with $v.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .extraPodLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    kubectl.kubernetes.io/default-container: {{ kebabcase .component }}
    {{- with $root.Values.commonAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $v.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "specula.serviceAccountName" $ctx }}
  automountServiceAccountToken: {{ (ternary $v.serviceAccount $root.Values.serviceAccount (eq .component "router")).automountServiceAccountToken }}
  {{- include "specula.imagePullSecrets" $root }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  {{- with $v.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $v.runtimeClassName }}
  runtimeClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  affinity:
    {{- if $v.affinity }}
    {{- toYaml $v.affinity | nindent 4 }}
    {{- else }}
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "specula.selectorLabels" $ctx | nindent 16 }}
    {{- end }}
  {{- with $v.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if and (eq $models.source "initContainer") (ne .component "kvstore") }}
  initContainers:
    - name: models
      {{- $img := $models.initContainer.image }}
      {{- if $img.repository }}
      image: {{ include "specula.image" (dict "root" $root "image" $img) }}
      imagePullPolicy: {{ $img.pullPolicy }}
      {{- else }}
      image: {{ include "specula.image" (dict "root" $root "image" $v.image) }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      {{- end }}
      command:
        {{- toYaml $models.initContainer.command | nindent 8 }}
      resources:
        {{- toYaml $models.initContainer.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: models
          mountPath: {{ $models.mountPath }}
        - name: tmp
          mountPath: /tmp
  {{- end }}
  containers:
    - name: {{ kebabcase .component }}
      image: {{ include "specula.image" (dict "root" $root "image" $v.image) }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      env:
        - name: JAVA_TOOL_OPTIONS
          value: {{ $v.jvmOptions | quote }}
        # Native libraries (ONNX Runtime, DJL tokenizers) unpack into the writable /tmp, never into $HOME.
        - name: HOME
          value: /tmp
        - name: DJL_CACHE_DIR
          value: /tmp/djl
        - name: ENGINE_CACHE_DIR
          value: /tmp/djl
        - name: DJL_OFFLINE
          value: "true"
        - name: SPRING_GRPC_SERVER_PORT
          value: {{ $v.containerPorts.grpc | quote }}
        - name: SERVER_PORT
          value: {{ $v.containerPorts.http | quote }}
        {{- if gt $managementPort 0 }}
        # Actuator on its own port, off the inference port (RELIABILITY.md #22)
        - name: MANAGEMENT_SERVER_PORT
          value: {{ $managementPort | quote }}
        {{- end }}
        {{- if eq .component "router" }}
        # The public door: requests only, as large as the HTTP body limit (RELIABILITY.md #17)
        - name: SPRING_GRPC_SERVER_INBOUND_MESSAGE_MAX_SIZE
          value: {{ $v.config.maxRequestSize | quote }}
        {{- else }}
        - name: SPRING_GRPC_SERVER_INBOUND_MESSAGE_MAX_SIZE
          value: {{ $root.Values.channels.maxInboundMessageSize | quote }}
        {{- end }}
        # Tracing (Spring Boot's management.tracing.* / management.opentelemetry.*): spans of the router, drafters,
        # verifiers and KV store of one request share one trace; nothing is exported without an endpoint.
        - name: MANAGEMENT_TRACING_SAMPLING_PROBABILITY
          value: {{ $root.Values.tracing.samplingProbability | quote }}
        {{- with $root.Values.tracing.otlpEndpoint }}
        - name: MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT
          value: {{ . | quote }}
        {{- end }}
        {{- if or $root.Values.tracing.otlpEndpoint (gt (float64 $root.Values.tracing.samplingProbability) 0.0) }}
        # gRPC observations carry the trace from hop to hop; they are off by default (they cost throughput).
        - name: SPRING_GRPC_SERVER_OBSERVATION_ENABLED
          value: "true"
        - name: SPRING_GRPC_CLIENT_OBSERVATION_ENABLED
          value: "true"
        {{- end }}
        {{- if $root.Values.tls.enabled }}
        - name: SPRING_SSL_BUNDLE_PEM_SPECULA_KEYSTORE_CERTIFICATE
          value: file:/etc/specula/tls/tls.crt
        - name: SPRING_SSL_BUNDLE_PEM_SPECULA_KEYSTORE_PRIVATE_KEY
          value: file:/etc/specula/tls/tls.key
        - name: SPRING_SSL_BUNDLE_PEM_SPECULA_TRUSTSTORE_CERTIFICATE
          value: file:/etc/specula/tls/ca.crt
        - name: SPRING_GRPC_SERVER_SSL_ENABLED
          value: "true"
        - name: SPRING_GRPC_SERVER_SSL_BUNDLE
          value: specula
        # mTLS on the internal plane; the router's public port has its own policy (RELIABILITY.md #20)
        - name: SPRING_GRPC_SERVER_SSL_CLIENT_AUTH
          value: {{ ternary $root.Values.tls.router.clientAuth $root.Values.tls.internal.clientAuth (eq .component "router") | quote }}
        {{- end }}
        {{- with .env }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $v.extraEnvVars }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $v.extraEnvVarsSecret }}
      envFrom:
        - secretRef:
            name: {{ . }}
      {{- end }}
      ports:
        - name: grpc
          containerPort: {{ $v.containerPorts.grpc }}
          protocol: TCP
        - name: http
          containerPort: {{ $v.containerPorts.http }}
          protocol: TCP
        {{- if gt $managementPort 0 }}
        - name: management
          containerPort: {{ $managementPort }}
          protocol: TCP
        {{- end }}
      {{- if $v.startupProbe.enabled }}
      startupProbe:
        {{- if $grpcProbes }}
        grpc:
          port: {{ $v.containerPorts.grpc }}
          service: {{ $v.startupProbe.grpcService | quote }}
        {{- else }}
        httpGet:
          path: /actuator/health/liveness
          port: {{ $actuatorPort }}
        {{- end }}
        initialDelaySeconds: {{ $v.startupProbe.initialDelaySeconds }}
        periodSeconds: {{ $v.startupProbe.periodSeconds }}
        timeoutSeconds: {{ $v.startupProbe.timeoutSeconds }}
        failureThreshold: {{ $v.startupProbe.failureThreshold }}
      {{- end }}
      livenessProbe:
        {{- if $grpcProbes }}
        grpc:
          port: {{ $v.containerPorts.grpc }}
          service: {{ $v.livenessProbe.grpcService | quote }}
        {{- else }}
        httpGet:
          path: {{ $v.livenessProbe.path | default "/actuator/health/liveness" }}
          port: {{ $actuatorPort }}
        {{- end }}
        initialDelaySeconds: {{ $v.livenessProbe.initialDelaySeconds }}
        periodSeconds: {{ $v.livenessProbe.periodSeconds }}
        timeoutSeconds: {{ $v.livenessProbe.timeoutSeconds }}
        failureThreshold: {{ $v.livenessProbe.failureThreshold }}
      readinessProbe:
        {{- if $grpcProbes }}
        grpc:
          port: {{ $v.containerPorts.grpc }}
          service: {{ $v.readinessProbe.grpcService | quote }}
        {{- else }}
        httpGet:
          path: {{ $v.readinessProbe.path | default "/actuator/health/readiness" }}
          port: {{ $actuatorPort }}
        {{- end }}
        initialDelaySeconds: {{ $v.readinessProbe.initialDelaySeconds }}
        periodSeconds: {{ $v.readinessProbe.periodSeconds }}
        timeoutSeconds: {{ $v.readinessProbe.timeoutSeconds }}
        failureThreshold: {{ $v.readinessProbe.failureThreshold }}
      resources:
        {{- $resources := deepCopy $v.resources }}
        {{- if and (eq .component "verifier") $v.gpu.enabled }}
        {{- $limits := default (dict) $resources.limits }}
        {{- $requests := default (dict) $resources.requests }}
        {{- $_ := set $limits $v.gpu.resourceName $v.gpu.count }}
        {{- $_ := set $requests $v.gpu.resourceName $v.gpu.count }}
        {{- $_ := set $resources "limits" $limits }}
        {{- $_ := set $resources "requests" $requests }}
        {{- end }}
        {{- toYaml $resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if and (ne $models.source "bundled") (ne .component "kvstore") }}
        - name: models
          mountPath: {{ $models.mountPath }}
          {{- if eq $models.source "pvc" }}
          readOnly: {{ $models.pvc.readOnly }}
          {{- with $models.pvc.subPath }}
          subPath: {{ . }}
          {{- end }}
          {{- end }}
        {{- end }}
        {{- if $root.Values.tls.enabled }}
        - name: tls
          mountPath: /etc/specula/tls
          readOnly: true
        {{- end }}
        {{- if and (eq .component "verifier") $v.shmSize }}
        - name: shm
          mountPath: /dev/shm
        {{- end }}
        {{- if and (eq .component "kvstore") $v.persistence.enabled }}
        - name: data
          mountPath: {{ $v.persistence.mountPath }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $root.Values.tmpVolume.sizeLimit }}
    {{- if and (ne .component "kvstore") (eq $models.source "pvc") }}
    - name: models
      persistentVolumeClaim:
        claimName: {{ required "models.pvc.claimName is required when models.source=pvc" $models.pvc.claimName }}
        readOnly: {{ $models.pvc.readOnly }}
    {{- else if and (ne .component "kvstore") (eq $models.source "initContainer") }}
    - name: models
      emptyDir:
        sizeLimit: {{ $models.initContainer.sizeLimit }}
    {{- end }}
    {{- if $root.Values.tls.enabled }}
    - name: tls
      secret:
        secretName: {{ include "specula.tlsSecretName" $root }}
        defaultMode: 0440
    {{- end }}
    {{- if and (eq .component "verifier") $v.shmSize }}
    - name: shm
      emptyDir:
        medium: Memory
        sizeLimit: {{ $v.shmSize }}
    {{- end }}
{{- end -}}
