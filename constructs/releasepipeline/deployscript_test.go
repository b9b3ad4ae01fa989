package releasepipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/registry"
	"github.com/stratus-platform/stratus/internal/cdktest"
)

// fakeAWS answers the calls deployScript makes as an environment account would, with the
// Service stacks' status fixed to $STATUS ("throttled": reading it fails; "unchanged": the update
// has nothing to do), and appends every value written to the image parameter to $WRITES and every
// tag put on an image to $TAGS (tag@digest), failing a put with $PUT_ERROR when set. fakeDate's clock starts at 1700000000 and
// moves $STEP seconds (default an hour) at each reading after the first, and sleep returns at
// once, so a run reaches the deadline in a few polls.
const (
	fakeAWS = `#!/bin/bash
case "$1 $2" in
  "ssm get-parameter") echo "$PREVIOUS" ;;
  "ssm put-parameter") while [ $# -gt 0 ]; do [ "$1" = --value ] && echo "$2" >> "$WRITES"; shift; done ;;
  "cloudformation describe-stacks")
    case "$*" in
      *eu-west-1*StackStatus*) [ -z "$STATUS_EU" ] || { echo "$STATUS_EU"; exit 0; }; echo "$STATUS" ;;
      *StackStatus*) [ "$STATUS" != throttled ] || { echo "Rate exceeded" >&2; exit 255; }; echo "$STATUS" ;;
      *) echo "ImageParameter" ;;
    esac ;;
  "cloudformation update-stack")
    [ "$STATUS" != unchanged ] || { echo "An error occurred (ValidationError): No updates are to be performed." >&2; exit 254; }
    echo '{"StackId":"arn:stack"}' ;;
  "ecr batch-get-image")
    case "$*" in *--accepted-media-types*application/vnd.oci.image.manifest.v1+json*) ;; *) echo "no accepted media types" >&2; exit 254 ;; esac
    case "$*" in *imageManifestMediaType*) echo application/vnd.oci.image.manifest.v1+json ;; *) echo '{"schemaVersion":2}' ;; esac ;;
  "ecr put-image")
    [ -z "$PUT_ERROR" ] || { echo "$PUT_ERROR" >&2; exit 254; }
    tag=""; digest=""
    while [ $# -gt 0 ]; do case "$1" in --image-tag) tag="$2" ;; --image-digest) digest="$2" ;; esac; shift; done
    echo "$tag@$digest" >> "$TAGS" ;;
esac
`
	fakeDate = `#!/bin/bash
n=$(cat "$CLOCK" 2>/dev/null || echo 0); echo $((n + 1)) > "$CLOCK"
echo $((1700000000 + n * ${STEP:-3600}))
`
	fakeSleep = "#!/bin/sh\n"
)

// deployRun is what a run of deployScript did.
type deployRun struct {
	err    error    // its exit error
	out    string   // its output
	writes []string // the values it wrote to the image parameter, in order
	tags   []string // the tags it put on images (tag@digest), in order
}

// runDeploy runs deployScript for stacks (region=stack ...) whose updates end in status (or never
// end), with extra variables.
func runDeploy(t *testing.T, stacks, status string, extra ...string) deployRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "the deploy script is bash")
	dir := t.TempDir()
	for name, body := range map[string]string{"aws": fakeAWS, "date": fakeDate, "sleep": fakeSleep} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755))
	}
	writes, tags := filepath.Join(dir, "writes"), filepath.Join(dir, "tags")
	// A script that never gives up would poll forever against the fake clock: stop it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", deployScript)
	cmd.Env = []string{
		"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir,
		"STATUS=" + status, "WRITES=" + writes, "TAGS=" + tags, "CLOCK=" + filepath.Join(dir, "clock"), "PREVIOUS=previous-image",
		"STACKS=" + stacks, "ACCOUNT=111111111111", "QUALIFIER=hnb659fds",
		"REPOSITORY=prod/product", "IMAGE_DIGEST=sha256:new", "PARAMETER=/stratus/prod/product/image",
	}
	cmd.Env = append(cmd.Env, extra...)
	out, runErr := cmd.CombinedOutput()
	run := deployRun{err: runErr, out: string(out)}
	for file, into := range map[string]*[]string{writes: &run.writes, tags: &run.tags} {
		data, err := os.ReadFile(file)
		if !os.IsNotExist(err) {
			require.NoError(t, err, "%s", out)
		}
		*into = strings.Fields(string(data))
	}
	return run
}

// TestDeployScriptLeavesNoUnfinishedImageInTheParameter: whatever becomes of the Service stack's
// update, the image parameter ends at the new image only when the update completed.
func TestDeployScriptLeavesNoUnfinishedImageInTheParameter(t *testing.T) {
	east := "111111111111.dkr.ecr.us-east-1.amazonaws.com/prod/product@sha256:new"
	one, two := "us-east-1=Prod-Service-product-us-east-1", "us-east-1=Prod-Service-product-us-east-1 eu-west-1=Prod-Service-product-eu-west-1"
	// The build started 7 h 50 min before the clock's first reading: its time is up.
	late := fmt.Sprintf("CODEBUILD_START_TIME=%d", (1700000000-deployStopMinutes*60)*1000)
	cases := []struct {
		name, stacks, status string
		extra                []string
		ok                   bool
		want                 []string
		says                 string
	}{
		{"A completed update keeps the new image", one, "UPDATE_COMPLETE", nil, true, []string{east}, "deployed"},
		{"A rolled-back update puts the previous image back", one, "UPDATE_ROLLBACK_COMPLETE", nil, false, []string{east, "previous-image"}, "UPDATE_ROLLBACK_COMPLETE"},
		{"An update still running near the build's timeout puts the previous image back", one, "UPDATE_IN_PROGRESS", nil, false, []string{east, "previous-image"}, "release again"},
		{"A failing status read puts the previous image back", one, "throttled", nil, false, []string{east, "previous-image"}, "Rate exceeded"},
		{"No region starts once the build's time is up", two, "UPDATE_COMPLETE", []string{"STEP=20000"}, false, []string{east}, "no time left"},
		{"The deadline counts from the build's start, not the script's", one, "UPDATE_COMPLETE", []string{late}, false, []string{}, "no time left"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := runDeploy(t, c.stacks, c.status, c.extra...)
			assert.Equal(t, c.ok, run.err == nil, "exit status: %v\n%s", run.err, run.out)
			assert.Equal(t, c.want, run.writes, "the values written to the image parameter, in order")
			assert.Contains(t, run.out, c.says)
		})
	}
}

// TestDeployScriptTagsTheImageARegionRunsLive: the image a region runs carries the region's live
// tag, which the repository's lifecycle policy never expires, as soon as the region runs it and
// never before.
func TestDeployScriptTagsTheImageARegionRunsLive(t *testing.T) {
	two := "us-east-1=Prod-Service-product-us-east-1 eu-west-1=Prod-Service-product-eu-west-1"
	east := "111111111111.dkr.ecr.us-east-1.amazonaws.com/prod/product@sha256:new"
	both := []string{"live-us-east-1@sha256:new", "live-eu-west-1@sha256:new"}
	cases := []struct {
		name, status string
		extra        []string
		ok           bool
		tags, writes []string
		says         string
	}{
		{"Each region's completed update tags the image with that region's tag", "UPDATE_COMPLETE", nil, true, both,
			[]string{east, strings.ReplaceAll(east, "us-east-1", "eu-west-1")}, "is live-eu-west-1"},
		{"A stack that already runs the image gets the tag too", "unchanged", nil, true, both,
			[]string{east, strings.ReplaceAll(east, "us-east-1", "eu-west-1")}, "already runs"},
		{"A tag already on the image is no failure", "UPDATE_COMPLETE",
			[]string{"PUT_ERROR=An error occurred (ImageAlreadyExistsException) when calling the PutImage operation"}, true, []string{},
			[]string{east, strings.ReplaceAll(east, "us-east-1", "eu-west-1")}, "is live-eu-west-1"},
		{"A rolled-back update tags nothing", "UPDATE_ROLLBACK_COMPLETE", nil, false, []string{},
			[]string{east, "previous-image"}, "UPDATE_ROLLBACK_COMPLETE"},
		// The regions run the new image: the parameters keep it, the next region still deploys
		// (an environment on two images would be worse), and the run fails at the end.
		{"A failed tagging fails the run after every region deployed", "UPDATE_COMPLETE",
			[]string{"PUT_ERROR=An error occurred (AccessDeniedException)"}, false, []string{},
			[]string{east, strings.ReplaceAll(east, "us-east-1", "eu-west-1")}, "live tag did not move in: us-east-1 eu-west-1; tag it there by hand"},
		// A later region's failure ends the run early: the region before it is still named.
		{"A region left untagged is named when a later region fails", "UPDATE_COMPLETE",
			[]string{"PUT_ERROR=An error occurred (AccessDeniedException)", "STATUS_EU=UPDATE_ROLLBACK_COMPLETE"}, false, []string{},
			[]string{east, strings.ReplaceAll(east, "us-east-1", "eu-west-1"), "previous-image"}, "live tag did not move in: us-east-1; tag it there by hand"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := runDeploy(t, two, c.status, c.extra...)
			assert.Equal(t, c.ok, run.err == nil, "exit status: %v\n%s", run.err, run.out)
			assert.Equal(t, c.tags, run.tags, "the tags put on images, in order\n%s", run.out)
			assert.Equal(t, c.writes, run.writes, "the values written to the image parameter, in order")
			assert.Contains(t, run.out, c.says)
		})
	}
	assert.Equal(t, "live-eu-west-1", registry.LiveTag("eu-west-1"), "the script's tags are the ones the lifecycle policy keeps")
}

// TestTheDeployProjectOutlastsTheScriptsDeadline: the project that runs the deploy script times
// out after the script's deadline, with time left to restore the parameter.
func TestTheDeployProjectOutlastsTheScriptsDeadline(t *testing.T) {
	b := get(t)
	found := 0
	for id, p := range cdktest.OfType(t, cdktest.Template(t, b.stack), "AWS::CodeBuild::Project") {
		spec := cdktest.Path[string](t, cdktest.Props(t, p), "Source", "BuildSpec")
		if !strings.Contains(spec, "deadline=") {
			continue
		}
		found++
		timeout := cdktest.Props(t, p)["TimeoutInMinutes"]
		require.NotNil(t, timeout, id)
		assert.Contains(t, spec, fmt.Sprintf("+ %d ))", deployStopMinutes*60), "%s: the script stops at deployStopMinutes", id)
		assert.GreaterOrEqual(t, timeout.(float64)-deployStopMinutes, 5.0, "%s: minutes left to restore after the script stops", id)
	}
	assert.Equal(t, 1, found, "one Deploy project")
}

// runWithFakes runs script in bash with fakes (name → body) first on the PATH, HOME and CALLS (a
// file the fakes may append to) in a new folder, and env; it returns the output and CALLS.
func runWithFakes(t *testing.T, script string, fakes map[string]string, env ...string) (out, calls string) {
	t.Helper()
	out, calls, err := runScript(t, script, fakes, env...)
	require.NoError(t, err, "%s\ncalls:\n%s", out, calls)
	return out, calls
}

// runScript is runWithFakes for a script that may fail: it returns the script's error too.
func runScript(t *testing.T, script string, fakes map[string]string, env ...string) (out, calls string, err error) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "the scripts are bash")
	dir := t.TempDir()
	for name, body := range fakes {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755))
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir,
		"CALLS=" + filepath.Join(dir, "calls")}, env...)
	output, err := cmd.CombinedOutput()
	data, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return string(output), string(data), err
}

// TestThePullLogsInToTheInboxsRegion: the release inbox is in the tooling region, whatever
// region the environment looked at last left in AWS_REGION.
func TestThePullLogsInToTheInboxsRegion(t *testing.T) {
	_, calls := runWithFakes(t, pullImage+"make_image", map[string]string{
		"aws":    "#!/bin/bash\necho \"aws $*\" >> \"$CALLS\"; echo token\n",
		"docker": "#!/bin/bash\ncat >/dev/null; echo \"docker $*\" >> \"$CALLS\"\n",
	}, "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-west-2",
		"SOURCE_REPOSITORY=444444444444.dkr.ecr.eu-central-1.amazonaws.com/release/order", "SOURCE_DIGEST=sha256:abc")
	lines := strings.Split(strings.TrimSpace(calls), "\n")
	require.NotEmpty(t, lines)
	assert.Equal(t, "aws ecr get-login-password --region eu-central-1", lines[0])
	assert.Contains(t, lines, "docker login --username AWS --password-stdin 444444444444.dkr.ecr.eu-central-1.amazonaws.com")
	assert.Contains(t, lines, "docker pull 444444444444.dkr.ecr.eu-central-1.amazonaws.com/release/order@sha256:abc")
}

// fakeAws logs each call with the role the profile names. describe-images finds no image before a
// docker push, the pushed digest after it; a scan is complete, without findings.
const fakeAws = `#!/bin/bash
echo "aws $* [role $(sed -n 's/^role_arn = //p' "$HOME/.aws/config" 2>/dev/null | tail -1)]" >> "$CALLS"
case "$1 $2" in
  "configure set") if [ "$3" = profile.target.role_arn ]; then mkdir -p "$HOME/.aws"; echo "role_arn = $4" >> "$HOME/.aws/config"; fi ;;
  "ecr describe-images") grep -q "docker push" "$CALLS" && echo sha256:pushed || echo None ;;
  "ecr describe-image-scan-findings") case "$*" in *imageScanStatus*) echo COMPLETE ;; *) echo None ;; esac ;;
  "ecr get-login-password") echo token ;;
esac
`

// TestATargetThatCannotBeAssumedFailsAtOnce: during an upgrade (README) or with a wrong trust, the
// role is missing or refuses the project; target says so instead of the scan gate waiting out its
// 15 minutes on calls it reads as "not yet".
func TestATargetThatCannotBeAssumedFailsAtOnce(t *testing.T) {
	out, _, err := runScript(t, prelude+`target 111111111111 us-east-1 stratus-prod-release-read; echo "went on"`, map[string]string{
		"aws": "#!/bin/bash\ncase \"$1 $2\" in \"sts get-caller-identity\") echo AccessDenied >&2; exit 254 ;; esac\n",
	}, "QUALIFIER=hnb659fds")
	require.Error(t, err, "%s", out)
	assert.Contains(t, out, "cannot assume arn:aws:iam::111111111111:role/stratus-prod-release-read")
	assert.NotContains(t, out, "went on")
}

// TestTheScanAndTheWaitReadAsTheReadRoles: the scan gate and the replication wait make every call
// into an environment as its read role, never as its CDK deploy role.
func TestTheScanAndTheWaitReadAsTheReadRoles(t *testing.T) {
	out, calls := runWithFakes(t, scanScript, map[string]string{"aws": fakeAws}, "QUALIFIER=hnb659fds",
		"IMAGE_DIGEST=sha256:abc", "FAIL_SEVERITIES=CRITICAL HIGH",
		"TARGETS=222222222222,us-east-1,staging/product,stratus-staging-release-read 111111111111,eu-west-1,prod/product,stratus-prod-release-read")
	assert.Contains(t, out, "prod/product@sha256:abc: 0 HIGH findings")
	_, waitCalls := runWithFakes(t, replicationScript, map[string]string{"aws": fakeAws}, "QUALIFIER=hnb659fds",
		"IMAGE_DIGEST=sha256:abc", "ACCOUNT=111111111111", "REPOSITORY=prod/product", "REGIONS=eu-west-1 us-east-1",
		"READ_ROLE=stratus-prod-release-read")
	for name, c := range map[string]struct {
		calls string
		roles []string
	}{
		"scan": {calls, []string{"arn:aws:iam::222222222222:role/stratus-staging-release-read", "arn:aws:iam::111111111111:role/stratus-prod-release-read"}},
		"wait": {waitCalls, []string{"arn:aws:iam::111111111111:role/stratus-prod-release-read", "arn:aws:iam::111111111111:role/stratus-prod-release-read"}},
	} {
		var roles []string
		ecr := 0
		for _, line := range strings.Split(strings.TrimSpace(c.calls), "\n") {
			if strings.HasPrefix(line, "aws configure set profile.target.role_arn ") {
				roles = append(roles, strings.Fields(line)[4])
			}
			if strings.HasPrefix(line, "aws ecr ") {
				ecr++
				assert.Regexp(t, `\[role arn:aws:iam::[0-9]{12}:role/stratus-(staging|prod)-release-read\]$`, line, "%s: as the read role", name)
			}
		}
		assert.Equal(t, c.roles, roles, "%s: each environment (region) as its read role", name)
		assert.Positive(t, ecr, "%s: the script read the registry", name)
		assert.NotContains(t, c.calls, "deploy-role", name)
	}
}

// TestTheBuildPushesAsThePushRoles: every call the build makes into an environment (the look for
// an earlier push, the login, the push, the digest) is made as that environment's push role,
// never as its CDK deploy role.
func TestTheBuildPushesAsThePushRoles(t *testing.T) {
	out, calls := runWithFakes(t, prelude+buildImage+buildScript, map[string]string{
		"aws": fakeAws, "docker": "#!/bin/bash\ncat >/dev/null; echo \"docker $*\" >> \"$CALLS\"\n",
	}, "QUALIFIER=hnb659fds", "COMMIT_ID=abc123",
		"TARGETS=222222222222,us-east-1,staging/product,stratus-staging-product-push 111111111111,eu-west-1,prod/product,stratus-prod-product-push")
	assert.Contains(t, out, "released image: sha256:pushed")
	var roles []string
	for _, line := range strings.Split(strings.TrimSpace(calls), "\n") {
		if strings.HasPrefix(line, "aws configure set profile.target.role_arn ") {
			roles = append(roles, strings.Fields(line)[4])
		}
		if strings.HasPrefix(line, "aws ecr ") {
			assert.Regexp(t, `\[role arn:aws:iam::[0-9]{12}:role/stratus-(staging|prod)-product-push\]$`, line, "an environment's registry, as its push role")
		}
	}
	assert.Equal(t, []string{
		"arn:aws:iam::222222222222:role/stratus-staging-product-push", "arn:aws:iam::111111111111:role/stratus-prod-product-push",
		"arn:aws:iam::222222222222:role/stratus-staging-product-push", "arn:aws:iam::111111111111:role/stratus-prod-product-push",
	}, roles, "the look for an earlier push, then the push, in each environment's home as its push role")
	assert.NotContains(t, calls, "deploy-role")
	assert.Contains(t, calls, "docker push 111111111111.dkr.ecr.eu-west-1.amazonaws.com/prod/product:abc123")
}
