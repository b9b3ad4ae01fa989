package cdktest

import (
	"fmt"
	"reflect"
	"testing"
)

// recorder is a testing.TB whose Fatalf records the failure instead of stopping the test.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestNoPanicTurnsAPanicIntoOneFailure(t *testing.T) {
	r := &recorder{TB: t}
	NoPanic(r, func() { panic("Template has 0 resources with type AWS::KMS::Key") })
	if !reflect.DeepEqual(r.failures, []string{"Template has 0 resources with type AWS::KMS::Key"}) {
		t.Errorf("failures = %q", r.failures)
	}
	ran := false
	NoPanic(r, func() { ran = true })
	if !ran || len(r.failures) != 1 {
		t.Errorf("a passing check: ran %v, failures %q", ran, r.failures)
	}
}

var template = map[string]any{"Resources": map[string]any{
	"KeyA":   map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{"EnableKeyRotation": true}},
	"KeyB":   map[string]any{"Type": "AWS::KMS::Key"},
	"Bucket": map[string]any{"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
}}

func TestOfTypeAndOnlySelectByType(t *testing.T) {
	if got := OfType(t, template, "AWS::KMS::Key"); len(got) != 2 || got["KeyA"]["Properties"] == nil || got["KeyB"] == nil {
		t.Errorf("OfType = %v, want KeyA and KeyB", got)
	}
	if got := OfType(t, template, "AWS::SQS::Queue"); len(got) != 0 {
		t.Errorf("OfType = %v, want none", got)
	}
	if id, r := Only(t, template, "AWS::S3::Bucket"); id != "Bucket" || r["DeletionPolicy"] != "Retain" {
		t.Errorf("Only = %s %v", id, r)
	}
	r := &recorder{TB: t}
	func() {
		defer func() { _ = recover() }() // Only goes on after the recorded Fatalf
		Only(r, template, "AWS::KMS::Key")
	}()
	if len(r.failures) == 0 || r.failures[0] != "2 AWS::KMS::Key resources, want 1" {
		t.Errorf("failures = %q", r.failures)
	}
}

func TestDecodeFillsATypedValue(t *testing.T) {
	type resource struct {
		Type           string
		DeletionPolicy string
	}
	got := Decode[map[string]resource](t, OfType(t, template, "AWS::S3::Bucket"))
	if want := map[string]resource{"Bucket": {"AWS::S3::Bucket", "Retain"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Decode = %v, want %v", got, want)
	}
}

func TestContextIsCdkJSONsAndFreshEachTime(t *testing.T) {
	a, b := Context(), Context()
	if len(a) == 0 {
		t.Fatal("cdk.json has no context")
	}
	a["x"] = true
	if _, ok := b["x"]; ok {
		t.Error("Context returns a shared map")
	}
}
