package service

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"go.yaml.in/yaml/v3"
)

// regionPlaceholder stands for the stack's region in the collector configuration; collectorValue
// turns it into a ${AWS::Region} reference.
const regionPlaceholder = "__STRATUS_AWS_REGION__"

// collectorValue is the template value of AOT_CONFIG_CONTENT: the configuration through Fn::Sub,
// which fills in the region. Every other "${" (the collector's own ${env:…} references) is
// escaped as "${!", which Fn::Sub turns back into "${". (A plain string holding "${" reads to
// CloudFormation's validator as a misplaced parameter, E1029; an Fn::Sub without a variable
// draws cfn-lint's W1020.)
func collectorValue(config string) *string {
	escaped := strings.ReplaceAll(config, "${", "${!")
	return awscdk.Fn_Sub(jsii.String(strings.ReplaceAll(escaped, regionPlaceholder, "${AWS::Region}")), nil)
}

// collectorConfig is the ADOT collector configuration, passed in AOT_CONFIG_CONTENT. The
// receivers bind to the loopback address only: the application reaches them over the task's
// shared network namespace, nothing outside the task can. The collector's own telemetry
// endpoint is off, so it claims no other port.
func collectorConfig(otlpEndpoint string, withAuthHeader bool) string {
	traceExporters := []string{"awsxray"}
	exporters := map[string]any{"awsxray": map[string]any{"region": regionPlaceholder}}
	pipelines := map[string]any{}
	processors := []string{"memory_limiter", "batch"}
	if otlpEndpoint != "" {
		otlp := map[string]any{"endpoint": otlpEndpoint, "compression": "gzip"}
		if withAuthHeader {
			otlp["headers"] = map[string]any{"Authorization": "${env:" + otlpAuthVariable + "}"}
		}
		exporters["otlphttp"] = otlp
		traceExporters = append(traceExporters, "otlphttp")
		for _, signal := range []string{"metrics", "logs"} {
			pipelines[signal] = map[string]any{"receivers": []string{"otlp"}, "processors": processors, "exporters": []string{"otlphttp"}}
		}
	}
	pipelines["traces"] = map[string]any{"receivers": []string{"otlp"}, "processors": processors, "exporters": traceExporters}

	cfg := map[string]any{
		"receivers": map[string]any{"otlp": map[string]any{"protocols": map[string]any{
			"grpc": map[string]any{"endpoint": "127.0.0.1:4317"},
			"http": map[string]any{"endpoint": "127.0.0.1:4318"},
		}}},
		"processors": map[string]any{
			// Refuse data before the collector exhausts the task's memory, then batch the exports.
			"memory_limiter": map[string]any{"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 25},
			"batch":          map[string]any{"timeout": "5s"},
		},
		"exporters": exporters,
		"service": map[string]any{
			"telemetry": map[string]any{"metrics": map[string]any{"level": "none"}},
			"pipelines": pipelines,
		},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		panic(err) // plain maps of strings and numbers always marshal
	}
	return string(out)
}
