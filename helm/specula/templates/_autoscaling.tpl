{{/* HorizontalPodAutoscaler of a Deployment: (dict "root" $ "component" "router"). */}}
{{- define "specula.hpa" -}}
{{- $v := index .root.Values .component -}}
{{- $hpa := $v.autoscaling.hpa -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- if not (or $hpa.targetCPU $hpa.targetMemory) -}}
{{- fail (printf "%s.autoscaling.hpa: set targetCPU and/or targetMemory" .component) -}}
{{- end -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "specula.componentName" $ctx }}
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
  {{- include "specula.annotations" .root }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "specula.componentName" $ctx }}
  minReplicas: {{ $hpa.minReplicas }}
  maxReplicas: {{ $hpa.maxReplicas }}
  metrics:
    {{- if $hpa.targetCPU }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetCPU }}
    {{- end }}
    {{- if $hpa.targetMemory }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetMemory }}
    {{- end }}
  behavior:
    scaleDown:
      # Scale in slowly: each pod drains its streams first (graceful shutdown).
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end -}}

{{/* PodDisruptionBudget: (dict "root" $ "component" "router"). */}}
{{- define "specula.pdb" -}}
{{- $v := index .root.Values .component -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "specula.componentName" $ctx }}
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
  {{- include "specula.annotations" .root }}
spec:
  maxUnavailable: {{ $v.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "specula.selectorLabels" $ctx | nindent 6 }}
{{- end -}}

{{/*
NetworkPolicy: the component's pods accept traffic only from this release's pods of the components in "from"
(its gRPC clients), plus `extraIngress`. Pass (dict "root" $ "component" "verifier" "from" (list "router" "drafter")).
*/}}
{{- define "specula.networkPolicy" -}}
{{- $v := index .root.Values .component -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "specula.componentName" $ctx }}
  labels:
    {{- include "specula.labels" $ctx | nindent 4 }}
  {{- include "specula.annotations" .root }}
spec:
  podSelector:
    matchLabels:
      {{- include "specula.selectorLabels" $ctx | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        {{- range .from }}
        - podSelector:
            matchLabels:
              {{- include "specula.selectorLabels" (dict "root" $.root "component" .) | nindent 14 }}
        {{- end }}
      ports:
        - port: grpc
          protocol: TCP
        - port: http
          protocol: TCP
    {{- with $v.networkPolicy.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
