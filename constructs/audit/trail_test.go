package audit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir            string
	defaults, lock awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "audit-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, defaults: cdktest.NewStack(app, "Defaults", "us-east-1"), lock: cdktest.NewStack(app, "Locked", "eu-west-1")}
		if _, err := NewTrail(s.defaults, "Trail", TrailProps{TrailName: "stratus-dev"}); err != nil {
			return nil, err
		}
		if _, err := NewTrail(s.lock, "Trail", TrailProps{TrailName: "stratus-prod", RetentionDays: 730, ObjectLockDays: 365, LogRetention: logs.RetentionDays_TWO_YEARS}); err != nil {
			return nil, err
		}
		if _, err := NewRecorder(s.defaults, "Recorder", RecorderProps{IncludeGlobalResourceTypes: true}); err != nil {
			return nil, err
		}
		if _, err := NewRecorder(s.lock, "Recorder", RecorderProps{RetentionDays: 730}); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func TestTrailIsMultiRegionEncryptedValidatedAndArchived(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.defaults, nil)
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::CloudTrail::Trail"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::CloudTrail::Trail"), &map[string]any{
			"TrailName": "stratus-dev", "IsLogging": true, "IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": true,
			"EnableLogFileValidation":   true,
			"KMSKeyId":                  map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TrailKey")), "Arn"}},
			"CloudWatchLogsLogGroupArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TrailLogGroup")), "Arn"}},
			"EventSelectors":            assertions.Match_Absent(),
		})
		tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties": map[string]any{
				"RetentionInDays": 365,
				"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TrailKey")), "Arn"}},
			},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"Properties": map[string]any{
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"BucketKeyEnabled": true,
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms",
						"KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TrailKey")), "Arn"}}},
				}}},
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
					"ExpirationInDays": 365, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30}, "Status": "Enabled",
				})}},
				"LoggingConfiguration":    assertions.Match_ObjectLike(&map[string]any{"LogFilePrefix": "archive/"}),
				"ObjectLockEnabled":       assertions.Match_Absent(),
				"ObjectLockConfiguration": assertions.Match_Absent(),
			},
			"DeletionPolicy": "Retain",
		})
		// TLS only.
		tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			})})},
		})
		// CloudTrail may encrypt for this trail only.
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "AllowCloudTrailToEncryptThisTrail", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
				"Condition": assertions.Match_ObjectLike(&map[string]any{"StringEquals": map[string]any{"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:" + cdktest.Account + ":trail/stratus-dev"}}),
			})})},
		})
	})

	raw := cdktest.Template(t, s.defaults)
	_, trail := cdktest.Only(t, raw, "AWS::CloudTrail::Trail")
	// CloudTrail checks the bucket policy and the logs role's policy when it creates the trail.
	var waitsFor []string
	for id, r := range raw["Resources"].(map[string]any) {
		switch r.(map[string]any)["Type"] {
		case "AWS::S3::BucketPolicy":
			if strings.Contains(jsonOf(t, r), "cloudtrail.amazonaws.com") {
				waitsFor = append(waitsFor, id)
			}
		case "AWS::IAM::ManagedPolicy":
			if strings.Contains(jsonOf(t, r), "logs:PutLogEvents") {
				waitsFor = append(waitsFor, id)
			}
		}
	}
	require.Len(t, waitsFor, 2, "the archive's policy and the logs role's")
	assert.ElementsMatch(t, waitsFor, trail["DependsOn"], "the trail waits for both policies")
	selectors := cdktest.Path[[]any](t, trail, "Properties", "AdvancedEventSelectors")
	require.Len(t, selectors, 2)
	assert.Equal(t, []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Management"}}},
		cdktest.Path[[]any](t, selectors[0], "FieldSelectors"), "every management event")
	data := cdktest.Path[[]any](t, selectors[1], "FieldSelectors")
	require.Len(t, data, 3)
	assert.Equal(t, map[string]any{"Field": "resources.type", "Equals": []any{"AWS::S3::Object"}}, data[1])
	excluded := cdktest.Path[[]any](t, data[2], "NotStartsWith")
	assert.Len(t, excluded, 2, "the archive and its access-log bucket are left out: %v", excluded)
}

func TestObjectLockAndRetentionsFollowProps(t *testing.T) {
	tpl := assertions.Template_FromStack(synth(t).lock, nil)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"ObjectLockEnabled": true,
			"ObjectLockConfiguration": map[string]any{"ObjectLockEnabled": "Enabled",
				"Rule": map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Days": 365}}},
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": 730})}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 731})
	})
}

func TestInvalidTrailPropsAreRejectedTogether(t *testing.T) {
	valid := func() TrailProps { return TrailProps{TrailName: "stratus-prod"}.withDefaults() }
	cdktest.Rejects(t, valid, TrailProps.validate, []cdktest.Invalid[TrailProps]{
		{Name: "an empty name", Mutate: func(p *TrailProps) { p.TrailName = "" }, Want: `TrailName ""`},
		{Name: "a name with a space", Mutate: func(p *TrailProps) { p.TrailName = "my trail" }, Want: `TrailName "my trail"`},
		{Name: "a short retention", Mutate: func(p *TrailProps) { p.RetentionDays = 30 }, Want: "RetentionDays 30 is outside 90-3653"},
		{Name: "a lock past the retention", Mutate: func(p *TrailProps) { p.ObjectLockDays = 400 }, Want: "ObjectLockDays 400 must be 0 (off) to RetentionDays (365)"},
		{Name: "a negative lock", Mutate: func(p *TrailProps) { p.ObjectLockDays = -1 }, Want: "ObjectLockDays -1"},
		{Name: "a bad log retention", Mutate: func(p *TrailProps) { p.LogRetention = "12" }, Want: "LogRetention"},
	})
	var err error
	cdktest.NoPanic(t, func() {
		_, err = NewTrail(cdktest.NewStack(cdktest.NewApp(t), "Bad", "us-east-1"), "Trail", TrailProps{TrailName: "x", RetentionDays: 5})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `TrailName "x"`)
	assert.Contains(t, err.Error(), "RetentionDays 5")
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.defaults, s.lock)
}

func TestRecorderRecordsEverythingAndGlobalTypesOnce(t *testing.T) {
	s := synth(t)
	for name, c := range map[string]struct {
		stack  awscdk.Stack
		global bool
	}{"global region": {s.defaults, true}, "other region": {s.lock, false}} {
		t.Run(name, func(t *testing.T) {
			tpl := cdktest.Template(t, c.stack)
			_, rec := cdktest.Only(t, tpl, "AWS::Config::ConfigurationRecorder")
			assert.Equal(t, map[string]any{"AllSupported": true, "IncludeGlobalResourceTypes": c.global},
				cdktest.Path[map[string]any](t, rec, "Properties", "RecordingGroup"))
			recID, _ := cdktest.Only(t, tpl, "AWS::Config::ConfigurationRecorder")
			_, channel := cdktest.Only(t, tpl, "AWS::Config::DeliveryChannel")
			assert.Contains(t, channel["DependsOn"], recID, "the channel waits for the recorder")
			assert.Equal(t, "TwentyFour_Hours", cdktest.Path[string](t, channel, "Properties", "ConfigSnapshotDeliveryProperties", "DeliveryFrequency"))
			assert.NotNil(t, cdktest.Path[map[string]any](t, channel, "Properties", "S3KmsKeyArn"), "snapshots are KMS-encrypted")

			var identifiers []string
			for _, rule := range cdktest.OfType(t, tpl, "AWS::Config::ConfigRule") {
				identifiers = append(identifiers, cdktest.Path[string](t, rule, "Properties", "Source", "SourceIdentifier"))
				assert.Contains(t, rule["DependsOn"], recID, "a rule waits for the recorder")
			}
			want := append([]string{}, RegionalRules...)
			if c.global {
				want = append(want, GlobalRules...)
			}
			assert.ElementsMatch(t, want, identifiers)
			for _, promised := range []string{"RDS_STORAGE_ENCRYPTED", "S3_BUCKET_SSL_REQUESTS_ONLY", "VPC_FLOW_LOGS_ENABLED", "CLOUD_TRAIL_ENABLED",
				"DB_INSTANCE_BACKUP_ENABLED", "RDS_MULTI_AZ_SUPPORT", "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
				"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "ENCRYPTED_VOLUMES", "CLOUDWATCH_LOG_GROUP_ENCRYPTED"} {
				assert.Contains(t, identifiers, promised)
			}
		})
	}
	tpl := assertions.Template_FromStack(s.lock, nil)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Config::ConfigRule"), &map[string]any{"ConfigRuleName": "stratus-rds-storage-encrypted"})
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": 730})}},
			"BucketEncryption":       assertions.Match_ObjectLike(&map[string]any{}),
		})
	})
}

func TestInvalidRecorderPropsAreRejectedTogether(t *testing.T) {
	valid := func() RecorderProps { return RecorderProps{}.withDefaults() }
	cdktest.Rejects(t, valid, RecorderProps.validate, []cdktest.Invalid[RecorderProps]{
		{Name: "a long retention", Mutate: func(p *RecorderProps) { p.RetentionDays = 4000 }, Want: "RetentionDays 4000 is outside 90-3653"},
		{Name: "a prefix with a space", Mutate: func(p *RecorderProps) { p.RuleNamePrefix = "my rules" }, Want: `RuleNamePrefix "my rules"`},
	})
}

// jsonOf is v as JSON, for looking into a rendered resource.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

func TestWithSourceArnHoldsOnlyTheServicesAllowStatements(t *testing.T) {
	doc := map[string]any{"Statement": []any{
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": cloudTrailPrincipal}, "Action": "s3:GetBucketAcl"},
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": []any{"config.amazonaws.com", cloudTrailPrincipal}},
			"Action": "s3:PutObject", "Condition": map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control"}}},
		map[string]any{"Effect": "Deny", "Principal": map[string]any{"Service": cloudTrailPrincipal}, "Action": "s3:*"},
		map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "config.amazonaws.com"}, "Action": "s3:PutObject"},
	}}
	statements := withSourceArn(doc, cloudTrailPrincipal, "arn:trail")["Statement"].([]any)
	held := func(i int) any {
		c, _ := statements[i].(map[string]any)["Condition"].(map[string]any)
		e, _ := c["StringEquals"].(map[string]any)
		return e["aws:SourceArn"]
	}
	assert.Equal(t, "arn:trail", held(0), "a bare grant gets the condition")
	assert.Equal(t, "arn:trail", held(1), "a principal list naming the service")
	assert.Equal(t, "bucket-owner-full-control", statements[1].(map[string]any)["Condition"].(map[string]any)["StringEquals"].(map[string]any)["s3:x-amz-acl"], "other conditions stay")
	assert.Nil(t, held(2), "a deny is left as it is")
	assert.Nil(t, held(3), "another service's grant is left as it is")
}
