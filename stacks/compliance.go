package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-platform/stratus/internal/nagpacks"
)

// ApplyCompliance runs the cdk-nag AwsSolutions and NIST 800-53 rev 5 packs over every stack of
// stage (an environment's, or the app for its own stacks) at synth. Findings become error/warning
// annotations and CSV reports (`<pack>-<stage>-<stack>-NagReport.csv`) beside the templates, which
// `make gates` reads. Call it once the stage's last stack is added, and before anything
// synthesizes the stage (the pipeline does when it adds one): it gives packs to the stacks that
// are the stage's children then (a stack's nested stacks are under its packs too). The gates
// fail for a stack of the assembly without both packs' reports.
//
// Each stack gets packs of its own rather than one pair for the stage: a pack's report logger
// looks up the stack's report in a list of every report it has opened, at each rule it applies
// to each resource, so one pair over a stage costs time in the product of resources and stacks
// (about 18 ms a service at 40 services a region, docs/performance.md). The reports are the
// same files either way: a report is named after its pack, stage and stack, not its logger.
func ApplyCompliance(stage awscdk.Stage) {
	for _, child := range *stage.Node().Children() {
		// A type check, not Stack_IsStack (a call into the jsii runtime): jsii hands Go a stack as
		// the Stack it is.
		if stack, ok := child.(awscdk.Stack); ok {
			nagpacks.Apply(stack)
		}
	}
}
