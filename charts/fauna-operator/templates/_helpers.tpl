{{- define "fauna-operator.labels" -}}
app.kubernetes.io/name: fauna-operator
app.kubernetes.io/part-of: fauna-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "fauna-operator.username" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ .Values.serviceAccount.name }}
{{- end -}}

{{- define "fauna-operator.watchNamespaces" -}}
{{- if eq .Values.mode "namespaced" -}}
{{- if not .Values.watchNamespaces -}}
{{- fail "mode=namespaced needs watchNamespaces: the namespaces whose FaunaClusters the operator manages" -}}
{{- end -}}
{{- .Values.watchNamespaces | uniq | toJson -}}
{{- else if eq .Values.mode "cluster" -}}
[]
{{- else -}}
{{- fail (printf "mode must be cluster or namespaced, not %q" .Values.mode) -}}
{{- end -}}
{{- end -}}
