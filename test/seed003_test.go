package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeed003IsTheEc2Platform: seed 003's sizes, ports and database, as its seed states them.
func TestSeed003IsTheEc2Platform(t *testing.T) {
	a := SeedVariants(t)
	assert.NotContains(t, a.StackNames(), "Seed003-Registry-us-east-1", "EC2 tiers pull no images")
	tiers := a.Template(t, "Seed003-Tiers-us-east-1")

	_, templates := tiers.OfType("AWS::EC2::LaunchTemplate")
	types := map[string]string{}
	for id, lt := range templates {
		types[tierOf(id)] = str(get(lt.Properties, "LaunchTemplateData", "InstanceType"))
	}
	assert.Equal(t, map[string]string{"web": "t3.small", "app": "t3.medium"}, types)

	_, groups := tiers.OfType("AWS::AutoScaling::AutoScalingGroup")
	require.Len(t, groups, 2)
	for id, g := range groups {
		p := g.Properties
		assert.Equal(t, []string{"2", "2", "4"}, []string{str(p["MinSize"]), str(p["DesiredCapacity"]), str(p["MaxSize"])}, "%s: min, desired, max", id)
	}
	_, scaling := tiers.OfType("AWS::AutoScaling::ScalingPolicy")
	require.Len(t, scaling, 2)
	for id, p := range scaling {
		assert.Equal(t, 60, num(get(p.Properties, "TargetTrackingConfiguration", "TargetValue")), "%s: 60 %% CPU", id)
	}

	// web:3000 behind the public ALB, app:5000 behind the internal one.
	_, listeners := tiers.OfType("AWS::ElasticLoadBalancingV2::Listener")
	require.Len(t, listeners, 1)
	for _, l := range listeners {
		assert.Equal(t, 5000, num(l.Properties["Port"]))
	}
	_, internalGroups := tiers.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
	for id, g := range internalGroups {
		assert.Equal(t, []any{5000, "instance"}, []any{num(g.Properties["Port"]), str(g.Properties["TargetType"])}, id)
	}
	app := a.Template(t, "Seed003-App-us-east-1")
	_, publicGroups := app.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
	require.Len(t, publicGroups, 1, "the web tier is the public ALB's only target")
	for id, g := range publicGroups {
		assert.Equal(t, []any{3000, "instance"}, []any{num(g.Properties["Port"]), str(g.Properties["TargetType"])}, id)
	}

	data := a.Template(t, "Seed003-ServiceData-app-us-east-1")
	_, instances := data.OfType("AWS::RDS::DBInstance")
	require.Len(t, instances, 1)
	for _, db := range instances {
		p := db.Properties
		assert.Equal(t, "postgres", str(p["Engine"]))
		assert.Regexp(t, `^15\.`, str(p["EngineVersion"]), "PostgreSQL 15")
		assert.Equal(t, "db.t3.medium", str(p["DBInstanceClass"]))
		assert.Equal(t, "gp3", str(p["StorageType"]))
		assert.Equal(t, "100", str(p["AllocatedStorage"]))
		assert.Equal(t, 7, num(p["BackupRetentionPeriod"]))
	}
	// The app tier is told where its database is, and may read its secret.
	_, appTemplates := tiers.OfType("AWS::EC2::LaunchTemplate")
	for id, lt := range appTemplates {
		if tierOf(id) == "app" {
			userData := jsonOf(get(lt.Properties, "LaunchTemplateData", "UserData"))
			assert.Contains(t, userData, "DB_HOST=")
			assert.Contains(t, userData, "DB_SECRET_ARN=")
		}
	}

	_, policies := tiers.OfType("AWS::IAM::ManagedPolicy")
	assert.Contains(t, jsonOf(policies), `"arn:aws:s3:::seed-003-releases/*"`, "the instances may read their releases")

	// api.<domain> is a CloudFront name: its /api/* reaches the ALB with the origin header.
	edge := a.Template(t, "Seed003-Edge-us-east-1")
	_, dists := edge.OfType("AWS::CloudFront::Distribution")
	require.Len(t, dists, 1)
	for _, d := range dists {
		assert.Contains(t, asList(get(d.Properties, "DistributionConfig", "Aliases")), "api.tiers.example.com")
	}

	// Cognito, SQS with its dead-letter queue, SNS: each granted to exactly the tier config names.
	integ := a.Template(t, "Seed003-Integration-us-east-1")
	_, pools := integ.OfType("AWS::Cognito::UserPool")
	require.Len(t, pools, 1)
	for _, p := range pools {
		assert.Equal(t, "OPTIONAL", str(p.Properties["MfaConfiguration"]))
		assert.Equal(t, 12, num(get(p.Properties, "Policies", "PasswordPolicy", "MinimumLength")))
		assert.Equal(t, "ENFORCED", str(get(p.Properties, "UserPoolAddOns", "AdvancedSecurityMode")), "threat protection")
	}
	_, clients := integ.OfType("AWS::Cognito::UserPoolClient")
	require.Len(t, clients, 1)
	for _, c := range clients {
		assert.Equal(t, false, c.Properties["GenerateSecret"], "a public SPA client (PKCE)")
		assert.Equal(t, []any{"https://tiers.example.com/"}, c.Properties["CallbackURLs"])
	}
	_, domains := integ.OfType("AWS::Cognito::UserPoolDomain")
	require.Len(t, domains, 1)
	_, queues := integ.OfType("AWS::SQS::Queue")
	byName := map[string]Resource{}
	for _, q := range queues {
		byName[str(q.Properties["QueueName"])] = q
		assert.NotEmpty(t, ref(q.Properties["KmsMasterKeyId"]), "%s: customer key", str(q.Properties["QueueName"]))
	}
	require.Contains(t, byName, "stratus-seed-003-orders")
	require.Contains(t, byName, "stratus-seed-003-orders-dlq")
	assert.Equal(t, 5, num(get(byName["stratus-seed-003-orders"].Properties, "RedrivePolicy", "maxReceiveCount")))
	_, topics := integ.OfType("AWS::SNS::Topic")
	require.Len(t, topics, 1)
	for _, tp := range topics {
		assert.Equal(t, "stratus-seed-003-notifications", str(tp.Properties["TopicName"]))
		assert.NotEmpty(t, ref(tp.Properties["KmsMasterKeyId"]))
	}
	// Grants: the web tier sends orders, the app tier consumes them and publishes notifications.
	grants := map[string]string{}
	_, all := tiers.OfType("AWS::IAM::ManagedPolicy")
	for id, p := range all {
		grants[tierOf(id)] += jsonOf(p.Properties["PolicyDocument"])
	}
	assert.Contains(t, grants["web"], "sqs:SendMessage")
	assert.NotContains(t, grants["web"], "sqs:ReceiveMessage")
	assert.NotContains(t, grants["web"], "sns:Publish")
	assert.Contains(t, grants["app"], "sqs:ReceiveMessage")
	assert.NotContains(t, grants["app"], "sqs:SendMessage")
	assert.Contains(t, grants["app"], "sns:Publish")
}
