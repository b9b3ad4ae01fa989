// Package nagpacks adds the cdk-nag packs every template of the platform passes: AwsSolutions and
// NIST 800-53 rev 5, verbose, each writing a CSV report per stack beside the templates (the
// gates read them: internal/gates).
package nagpacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Apply adds a new pair of packs to scope, as aspects: they check everything under it at
// synthesis, but what is in another stage (aspects do not cross a Stage's boundary, so a stage
// needs packs of its own, added before anything synthesizes it).
func Apply(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Reports: jsii.Bool(true), Verbose: jsii.Bool(true)}
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
	aspects.Add(cdknag.NewNIST80053R5Checks(props), nil)
}
