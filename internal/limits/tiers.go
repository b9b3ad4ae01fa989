package limits

import "regexp"

// EC2 tiers (compute: ec2): bounds and defaults shared by config and the tier construct.
const (
	// MinTierInstances is the smallest Auto Scaling group a tier may have: one instance per AZ
	// of the two a region has at least, so a tier survives the loss of an AZ.
	MinTierInstances, MaxTierInstances = 2, 100
	// DefaultWebPort and DefaultAppPort are where the web and app tiers listen by default.
	DefaultWebPort, DefaultAppPort = 3000, 5000
	// DefaultTierCpuTarget is the average CPU (percent) a tier's target tracking holds.
	DefaultTierCpuTarget = 60
	// MinTierVolumeGiB is the Amazon Linux 2023 root snapshot's size; MaxTierVolumeGiB is gp3's limit.
	MinTierVolumeGiB, MaxTierVolumeGiB = 8, 16384
	DefaultTierVolumeGiB               = 20
	// MaxUserDataBytes is EC2's limit on user data before base64 (16 KB); the tier construct adds
	// its own lines (CloudWatch agent) in front, so config may use at most MaxConfigUserDataBytes.
	MaxUserDataBytes, MaxConfigUserDataBytes = 16384, 12288
)

// bucketNameRE is an S3 bucket name of a general purpose bucket: 3-63 lowercase letters, digits,
// hyphens and dots, starting and ending with a letter or digit (the IP-address and
// reserved-prefix rules aside).
var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// BucketNameRule describes an accepted bucket name, for messages and docs.
const BucketNameRule = "3-63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit"

// ValidBucketName reports whether s has the shape of an S3 bucket name.
func ValidBucketName(s string) bool { return bucketNameRE.MatchString(s) }

// TierNames are the tiers of compute: ec2, in request order: CloudFront → web → internal ALB → app.
var TierNames = []string{"web", "app"}

// ec2InstanceTypeRE is the shape of an EC2 instance type: family (letters, a generation digit,
// attribute letters) and size. Burstable and general families are what tiers use; the shape
// check keeps typos out without pinning a list that ages.
var ec2InstanceTypeRE = regexp.MustCompile(`^([a-z]+[0-9]+[a-z-]*)\.` + classSize + `$`)

// InstanceTypeRule describes an accepted EC2 instance type, for messages and docs.
const InstanceTypeRule = "<family>.<size> with size micro, small, medium, large, <n>xlarge or metal (e.g. t3.small, m7i.large)"

// ValidInstanceType reports whether s has the shape of an EC2 instance type.
func ValidInstanceType(s string) bool { return ec2InstanceTypeRE.MatchString(s) }
