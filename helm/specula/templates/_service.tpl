{{/*
A component's Services: the ClusterIP (or other type) Service with ports `grpc` and `http` (and `management`
when the component has a separate Actuator port), and a headless twin
(`<name>-headless`, publishNotReadyAddresses false) for `channels.mode=dns` clients and the KV store's StatefulSet.
Pass (dict "root" $ "component" "verifier" "httpFirst" false "headless" true).
*/}}
{{- define "specula.services" -}}
{{- $v := index .root.Values .component -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- $ports := list (dict "name" "grpc" "port" $v.service.ports.grpc "appProtocol" "kubernetes.io/h2c") (dict "name" "http" "port" $v.service.ports.http "appProtocol" "http") -}}
{{- if .httpFirst }}{{- $ports = reverse $ports -}}{{- end -}}
{{- $managementPort := int (dig "containerPorts" "management" 0 $v) -}}
{{- if gt $managementPort 0 }}{{- $ports = append $ports (dict "name" "management" "port" $managementPort "appProtocol" "http") -}}{{- end -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "specula.componentName" $ctx }}
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
    {{- with include "specula.backendRole" .component }}
    {{- /* EndpointSlices carry their Service's labels: the router's discovery selects on this one. */}}
    specula.dev/backend: {{ . }}
    {{- end }}
  {{- $annotations := merge (dict) (default (dict) $v.service.annotations) (default (dict) .root.Values.commonAnnotations) }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $v.service.type }}
  selector:
    {{- include "specula.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- range $ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
      appProtocol: {{ .appProtocol }}
    {{- end }}
{{- if .headless }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "specula.componentName" $ctx }}-headless
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
  {{- include "specula.annotations" .root }}
spec:
  type: ClusterIP
  clusterIP: None
  selector:
    {{- include "specula.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- range $ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
      appProtocol: {{ .appProtocol }}
    {{- end }}
{{- end }}
{{- end -}}


{{/* The backend role the router discovers a component as (drafter, verifier), or empty. */}}
{{- define "specula.backendRole" -}}
{{- if or (eq . "drafter") (eq . "edgeDrafter") -}}drafter{{- else if eq . "verifier" -}}verifier{{- end -}}
{{- end -}}
