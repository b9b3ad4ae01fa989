package config

import (
	"fmt"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Compute is what runs an environment's application.
type Compute string

const (
	// ComputeFargate runs the services of services on ECS Fargate (the default).
	ComputeFargate Compute = "fargate"
	// ComputeEC2 runs two EC2 tiers instead (tiers): a web tier behind the public ALB and an
	// app tier behind an internal ALB, as in config/examples/seed-003.yaml.
	ComputeEC2 Compute = "ec2"
)

// computeModes lists the accepted Compute values in the order messages show them.
var computeModes = []Compute{ComputeFargate, ComputeEC2}

// tierDatabases are the accepted tiers.database values.
var tierDatabases = []DatabaseEngine{EnginePostgres, EngineNone}

// TierPathPattern is what the public ALB forwards to the web tier: CloudFront sends /api/* to
// the ALB, everything else to the frontend bucket (an API-only edge sends it to the ALB, whose
// default answer it gets).
const TierPathPattern = limits.EdgeApiPathPattern

// Tiers is the tiers section, read when compute is ec2: CloudFront → public ALB → web tier →
// internal ALB → app tier → database.
type Tiers struct {
	// Web (yaml "tiers.web") is the tier the public ALB forwards /api/* to.
	Web Tier `yaml:"web"`
	// App (yaml "tiers.app") is the tier behind the internal ALB; only the web tier may call it.
	App Tier `yaml:"app"`
	// Database (yaml "tiers.database", default postgres) is the app tier's database: an RDS
	// PostgreSQL instance sized by database.postgres, or none.
	Database DatabaseEngine `yaml:"database"`
	// ReleaseBucket (yaml "tiers.releaseBucket", default "") is an S3 bucket the instances of
	// both tiers may read objects from (s3:GetObject), where userData fetches releases.
	ReleaseBucket string `yaml:"releaseBucket"`
}

// Tier is one EC2 tier.
type Tier struct {
	// InstanceType (yaml "instanceType", required) is an EC2 instance type, e.g. t3.small.
	InstanceType string `yaml:"instanceType"`
	// Port (yaml "port", default 3000 for web, 5000 for app) is where the application listens.
	Port int `yaml:"port"`
	// MinCount, DesiredCount and MaxCount (defaults 2, minCount, 4) size the Auto Scaling group.
	MinCount     int `yaml:"minCount"`
	DesiredCount int `yaml:"desiredCount"`
	MaxCount     int `yaml:"maxCount"`
	// CpuTarget (yaml "cpuTarget", default 60) is the average CPU percent target tracking holds.
	CpuTarget int `yaml:"cpuTarget"`
	// HealthCheckPath (yaml "healthCheckPath", default /health) is what the load balancer checks.
	HealthCheckPath string `yaml:"healthCheckPath"`
	// VolumeGiB (yaml "volumeGiB", default 20) is the encrypted gp3 root volume's size.
	VolumeGiB int `yaml:"volumeGiB"`
	// UserData (yaml "userData", default "") is the bash script that installs and starts the
	// application at first boot. Changing it replaces the instances one at a time.
	UserData string `yaml:"userData"`
}

// defaultTier is a tier's defaults, listening on port.
func defaultTier(port int) Tier {
	return Tier{
		Port: port, MinCount: limits.MinTierInstances, MaxCount: 4, CpuTarget: limits.DefaultTierCpuTarget,
		HealthCheckPath: limits.DefaultHealthCheckPath, VolumeGiB: limits.DefaultTierVolumeGiB,
	}
}

// defaultTiers is the tiers section an absent key leaves.
func defaultTiers() Tiers {
	return Tiers{Web: defaultTier(limits.DefaultWebPort), App: defaultTier(limits.DefaultAppPort), Database: EnginePostgres}
}

// tierDefaults applies the defaults that depend on other keys: a desiredCount follows minCount;
// an environment without tiers has a zero Tiers.
func tierDefaults(env *Environment, present func(string) bool) {
	if !env.RunsTiers() {
		if !present("tiers") {
			env.Tiers = Tiers{} // nothing to report, nothing to read
		}
		return
	}
	for name, t := range env.tierMap() {
		if !present("tiers." + name + ".desiredCount") {
			t.DesiredCount = t.MinCount
		}
	}
}

// tierMap names the tiers by their key.
func (env *Environment) tierMap() map[string]*Tier {
	return map[string]*Tier{"web": &env.Tiers.Web, "app": &env.Tiers.App}
}

// RunsTiers reports whether the environment runs EC2 tiers instead of Fargate services.
func (env *Environment) RunsTiers() bool { return env.Compute == ComputeEC2 }

// compute checks compute and tiers: tiers only with compute ec2, which needs them, runs no
// services and (for now) one region.
func (v *validator) compute() {
	if !oneOf(v, "compute", v.env.Compute, computeModes, "unknown compute") {
		return
	}
	if !v.env.RunsTiers() {
		if v.d.has("tiers") {
			v.errorf("tiers: only read with compute: ec2 (compute is %s; remove tiers or set compute: ec2)", v.env.Compute)
		}
		return
	}
	if v.d.has("services") {
		v.errorf("services: compute ec2 runs tiers, not services (remove services, or set compute: fargate)")
	}
	if len(v.env.Regions) > 1 {
		v.errorf("compute %q: EC2 tiers run in one region (the environment has %d; use compute: fargate for several)", v.env.Compute, len(v.env.Regions))
	}
	if !v.given("tiers", "the web and app tiers (compute is ec2)") {
		return
	}
	oneOf(v, "tiers.database", v.env.Tiers.Database, tierDatabases, "unknown tier database")
	if b := v.env.Tiers.ReleaseBucket; v.given("tiers.releaseBucket", "") && !limits.ValidBucketName(b) {
		v.errorf("tiers.releaseBucket %q: not an S3 bucket name (allowed: %s)", b, limits.BucketNameRule)
	}
	for _, name := range limits.TierNames {
		v.tier("tiers."+name, v.env.tierMap()[name])
	}
	// Named by the key the file gives (web's when both are): a default port is not the user's to fix.
	if w, a := v.env.Tiers.Web, v.env.Tiers.App; w.Port == a.Port && v.d.has("tiers.web.port") {
		v.errorf("tiers.web.port %d: the app tier listens on it too (the internal ALB and the web tier need distinct ports)", w.Port)
	} else if w.Port == a.Port {
		v.errorf("tiers.app.port %d: the web tier listens on it too (its default; the internal ALB and the web tier need distinct ports)", a.Port)
	}
}

// tier checks one tier at key path p.
func (v *validator) tier(p string, t *Tier) {
	if v.given(p+".instanceType", "an EC2 instance type, "+limits.InstanceTypeRule) && !limits.ValidInstanceType(t.InstanceType) {
		v.errorf("%s.instanceType %q: not an EC2 instance type (allowed: %s)", p, t.InstanceType, limits.InstanceTypeRule)
	} else if strings.HasPrefix(t.InstanceType, "a1.") {
		v.errorf("%s.instanceType %q: Amazon Linux 2023, the tiers' image, does not run on A1 (the first Graviton); take a later Graviton family such as t4g or m7g", p, t.InstanceType)
	} else if strings.HasPrefix(t.InstanceType, "mac") {
		v.errorf("%s.instanceType %q: Mac instances run macOS on Dedicated Hosts only, not the tiers' Amazon Linux 2023 in an Auto Scaling group; take another family such as m7i or m7g", p, t.InstanceType)
	}
	v.intRange(p+".port", "", t.Port, limits.MinPort, limits.MaxPort, "")
	rule := fmt.Sprintf("%d <= minCount <= desiredCount <= maxCount <= %d", limits.MinTierInstances, limits.MaxTierInstances)
	ok := true
	for _, k := range []struct {
		key string
		x   int
	}{{"minCount", t.MinCount}, {"desiredCount", t.DesiredCount}, {"maxCount", t.MaxCount}} {
		ok = v.intRange(p+"."+k.key, "", k.x, limits.MinTierInstances, limits.MaxTierInstances, "instances (one per AZ at least)") && ok
	}
	if ok && (t.MinCount > t.DesiredCount || t.DesiredCount > t.MaxCount) {
		v.errorf("%s: minCount %d, desiredCount %d, maxCount %d are out of order (allowed: %s)", p, t.MinCount, t.DesiredCount, t.MaxCount, rule)
	}
	v.intRange(p+".cpuTarget", "", t.CpuTarget, limits.MinTargetPercent, limits.MaxTargetPercent, "percent")
	v.intRange(p+".volumeGiB", "", t.VolumeGiB, limits.MinTierVolumeGiB, limits.MaxTierVolumeGiB, "GiB")
	switch hp := t.HealthCheckPath; {
	case !v.given(p+".healthCheckPath", ""):
	case !limits.ValidHealthCheckPath(hp):
		v.errorf("%s.healthCheckPath %q: not a health-check path (allowed: %s)", p, hp, limits.HealthCheckPathRule)
	case strings.HasSuffix(p, ".web") && !limits.ValidRoute53Path(hp):
		v.errorf("%s.healthCheckPath %q: the web tier's health path is also the Route 53 health check's, which allows only paths %s", p, hp, limits.Route53PathRule)
	}
	if n := len(t.UserData); n > limits.MaxConfigUserDataBytes {
		v.errorf("%s.userData: %d bytes (allowed: at most %d; EC2 takes %d and the agent set-up uses the rest)", p, n, limits.MaxConfigUserDataBytes, limits.MaxUserDataBytes)
	}
}
