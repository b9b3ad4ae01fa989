package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ApplyCompliance runs the cdk-nag AwsSolutions and NIST 800-53 rev 5 packs over everything
// under scope at synth. Findings become error/warning annotations and CSV reports
// (`<pack>-<stack>-NagReport.csv`) beside the templates, which `make gates` reads.
func ApplyCompliance(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Reports: jsii.Bool(true), Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewNIST80053R5Checks(props), nil)
}
