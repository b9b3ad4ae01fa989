package limits

import (
	"regexp"
	"slices"
	"strings"
)

// The release pipelines' rules (config/delivery.yaml releases, constructs/releasepipeline).
var (
	// ScanSeverities are ECR's finding severities a release gate may fail at, most severe first.
	ScanSeverities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}
	// ImageDigestRE matches an image manifest digest as ECR reports it.
	ImageDigestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Release sources: a service repository through the delivery connection, or images pushed to the
// tooling account's release/<service> ECR repository with the tag ReleaseTag.
const (
	SourceRepository = "repository"
	SourceEcrPush    = "ecr-push"
	ReleaseTag       = "release"
)

// SourceTypes are the allowed release source types.
var SourceTypes = []string{SourceRepository, SourceEcrPush}

const (
	// DefaultScanFailOn is the severity at and above which a release's scan gate fails by default.
	DefaultScanFailOn = "HIGH"
	// MaxReleaseCommands bounds each command list of a release (one buildspec phase).
	MaxReleaseCommands = 50
)

// ReleaseStages are the stages every release pipeline has before its environments', which are
// named after the environments in PascalCase: an environment whose stage would be one of these
// would clash with it.
var ReleaseStages = []string{"Source", "Build", "ScanGate"}

// IsReleaseStage reports whether stage is one of ReleaseStages, in any case ("Scangate" too:
// stage names that differ only in case are not worth the doubt).
func IsReleaseStage(stage string) bool {
	return slices.ContainsFunc(ReleaseStages, func(s string) bool { return strings.EqualFold(s, stage) })
}
