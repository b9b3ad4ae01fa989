package releasepipeline

import (
	"strconv"
	"strings"

	"github.com/stratus-platform/stratus/constructs/registry"
)

// The scripts the pipelines' CodeBuild projects run (bash). Each reaches an environment account
// only through target, which points the AWS CLI at a role of that account in one region: the
// build at the service's push role, the scan gate and the replication wait at the environment's
// read role, the deploy at the account's CDK deploy role. The CLI assumes it afresh whenever the
// credentials near expiry, so a long deploy keeps working.

// prelude defines target ACCOUNT REGION [ROLE], ROLE defaulting to the CDK deploy role of ACCOUNT
// in REGION. target assumes the role at once, so a role that is missing or does not trust the
// project fails the run naming it, rather than as a scan or an image that never shows up (the
// scripts read those calls' errors as "not yet").
const prelude = `set -euo pipefail
target() {
  local role="arn:aws:iam::$1:role/${3:-cdk-${QUALIFIER}-deploy-role-$1-$2}"
  aws configure set profile.target.role_arn "$role"
  aws configure set profile.target.credential_source EcsContainer
  export AWS_PROFILE=target AWS_REGION="$2" AWS_DEFAULT_REGION="$2"
  aws sts get-caller-identity --query Arn --output text >/dev/null ||
    { echo "cannot assume $role: deploy the environment's stacks (which create it) first, and check its trust"; exit 1; }
}
`

// buildImage makes the image release:$COMMIT_ID from the repository's Dockerfile.
const buildImage = `make_image() { docker build --tag "release:$COMMIT_ID" --label "org.opencontainers.image.revision=$COMMIT_ID" .; }
`

// pullImage makes the image release:$COMMIT_ID from the pushed image SOURCE_REPOSITORY@SOURCE_DIGEST
// (tooling account, the project's own role); its tag is the pushed digest. The login is for the
// inbox's region (the registry host <account>.dkr.ecr.<region>.amazonaws.com), not AWS_REGION,
// which the last environment looked at has set.
const pullImage = `COMMIT_ID="sha256-${SOURCE_DIGEST#sha256:}"
make_image() {
  local registry="${SOURCE_REPOSITORY%%/*}"
  aws ecr get-login-password --region "$(cut -d. -f4 <<<"$registry")" | docker login --username AWS --password-stdin "$registry"
  docker pull "$SOURCE_REPOSITORY@$SOURCE_DIGEST"
  docker tag "$SOURCE_REPOSITORY@$SOURCE_DIGEST" "release:$COMMIT_ID"
}
`

// buildScript builds the image once and pushes it, tagged COMMIT_ID, to the home repository of
// every environment (TARGETS: account,region,repository,push role ...), as that environment's
// push role. The pushes must yield one digest,
// which it exports as IMAGE_DIGEST. A run of a commit already released reuses its image.
const buildScript = `found=""; missing=0; count=0
for t in $TARGETS; do
  IFS=, read -r account region repo role <<<"$t"; target "$account" "$region" "$role"; count=$((count + 1))
  d=$(aws ecr describe-images --repository-name "$repo" --image-ids imageTag="$COMMIT_ID" --query 'imageDetails[0].imageDigest' --output text 2>/dev/null) || d=""
  case "$d" in ""|None) missing=$((missing + 1)) ;; *) found="$found $d" ;; esac
done
if [ "$missing" -eq 0 ] && [ "$(printf '%s\n' $found | sort -u | wc -l)" -eq 1 ]; then
  IMAGE_DIGEST=$(printf '%s\n' $found | sort -u)
  echo "commit $COMMIT_ID was built before: releasing $IMAGE_DIGEST again"
elif [ "$missing" -ne "$count" ]; then
  echo "tag $COMMIT_ID exists in only some repositories (digests:$found): delete it there or release another commit"; exit 1
else
  unset AWS_PROFILE
  make_image
  digests=""
  for t in $TARGETS; do
    IFS=, read -r account region repo role <<<"$t"; target "$account" "$region" "$role"
    registry="$account.dkr.ecr.$region.amazonaws.com"
    aws ecr get-login-password --region "$(cut -d. -f4 <<<"$registry")" | docker login --username AWS --password-stdin "$registry"
    docker tag "release:$COMMIT_ID" "$registry/$repo:$COMMIT_ID"
    docker push "$registry/$repo:$COMMIT_ID"
    digests="$digests $(aws ecr describe-images --repository-name "$repo" --image-ids imageTag="$COMMIT_ID" --query 'imageDetails[0].imageDigest' --output text)"
  done
  if [ "$(printf '%s\n' $digests | sort -u | wc -l)" -ne 1 ]; then
    echo "the pushes of one build produced different digests ($digests): no exact promotion possible"; exit 1
  fi
  IMAGE_DIGEST=$(printf '%s\n' $digests | sort -u)
fi
case "$IMAGE_DIGEST" in sha256:*) ;; *) echo "no image digest: $IMAGE_DIGEST"; exit 1 ;; esac
IMAGE_TAG="$COMMIT_ID"
export IMAGE_DIGEST IMAGE_TAG # exported-variables reads them from the environment
echo "released image: $IMAGE_DIGEST (tag $IMAGE_TAG)"`

// scanScript waits for ECR's scan of IMAGE_DIGEST in every environment's home repository
// (TARGETS: account,region,repository,read role ...), as the environment's read role, and fails
// on any finding of a severity in FAIL_SEVERITIES.
const scanScript = prelude + `for t in $TARGETS; do
  IFS=, read -r account region repo role <<<"$t"; target "$account" "$region" "$role"
  status=PENDING
  for attempt in $(seq 1 90); do
    status=$(aws ecr describe-image-scan-findings --repository-name "$repo" --image-id imageDigest="$IMAGE_DIGEST" --query imageScanStatus.status --output text 2>/dev/null) || status=PENDING
    case "$status" in COMPLETE|ACTIVE) break ;; FAILED|UNSUPPORTED_IMAGE|FINDINGS_UNAVAILABLE) echo "$repo: scan $status"; exit 1 ;; esac
    sleep 10
  done
  case "$status" in COMPLETE|ACTIVE) ;; *) echo "$repo: the scan of $IMAGE_DIGEST is still $status"; exit 1 ;; esac
  blocking=0
  for severity in $FAIL_SEVERITIES; do
    n=$(aws ecr describe-image-scan-findings --repository-name "$repo" --image-id imageDigest="$IMAGE_DIGEST" --query "imageScanFindings.findingSeverityCounts.$severity" --output text)
    case "$n" in ""|None) n=0 ;; esac
    echo "$repo@$IMAGE_DIGEST: $n $severity findings"
    blocking=$((blocking + n))
  done
  [ "$blocking" -eq 0 ] || { echo "$repo: $blocking findings at or above the gate ($FAIL_SEVERITIES): release stopped"; exit 1; }
done`

// replicationScript waits until IMAGE_DIGEST is in REPOSITORY in every region of REGIONS
// (account ACCOUNT, as its role READ_ROLE): ECR replicates from the home region within minutes.
const replicationScript = prelude + `for region in $REGIONS; do
  target "$ACCOUNT" "$region" "$READ_ROLE"; ok=""
  for attempt in $(seq 1 90); do
    if aws ecr describe-images --repository-name "$REPOSITORY" --image-ids imageDigest="$IMAGE_DIGEST" >/dev/null 2>&1; then ok=1; break; fi
    sleep 10
  done
  [ -n "$ok" ] || { echo "$REPOSITORY@$IMAGE_DIGEST has not reached $region"; exit 1; }
  echo "$REPOSITORY@$IMAGE_DIGEST is in $region"
done`

// deployTimeoutMinutes is the Deploy project's build timeout: one build deploys every region of
// an environment, one after another, and an ECS deployment with a canary, linear or blue/green
// bake runs as long as its bake times. deployStopMinutes into the build (counted from the build's
// start, as CodeBuild counts its timeout), a stack still updating stops the release, leaving the
// build time to put the previous image back: CodeBuild's timeout kills the script, and restore
// with it; and no region starts after that.
const (
	deployTimeoutMinutes = 480
	deployStopMinutes    = deployTimeoutMinutes - 10
)

// deployScript deploys IMAGE_DIGEST region by region (STACKS: region=stack ...): it writes the
// image parameter PARAMETER and updates the stack with its previous template and parameters, so
// CloudFormation resolves the parameter again and runs the ECS deployment (strategy, alarms,
// rollback). When the update fails or rolls back, has not finished by deployStopMinutes, or any
// command fails once the parameter holds the new image, the parameter gets its previous value
// back, so the next platform deploy does not pick up an image whose release did not complete.
// Once a region runs the image (its update completed, or the stack already ran it), the image gets
// the region's live tag (registry.LiveTag), which the repository's lifecycle policy never expires:
// without it, the image an environment runs would expire once enough later commits were pushed.
// A tag that cannot move does not stop the regions after it (they would run another image than
// this one): the run deploys them and fails at the end, naming the regions to tag by hand.
var deployScript = prelude + `# mark_live moves the region's live tag to the image it runs now: the image's own manifest, as
# stored (every media type accepted, so ECR converts nothing), under the tag; --image-digest makes
# ECR refuse a manifest that came back altered instead of storing it as another image.
untagged=""
# Whatever ends the run, a region whose tag did not move is named.
report_untagged() {
  [ -z "$untagged" ] || echo "these regions run $IMAGE_DIGEST, but its live tag did not move in:$untagged; tag it there by hand (docs/release.md, Image promotion) before the lifecycle policy expires it"
}
trap report_untagged EXIT
mark_live() {
  local live="` + registry.LiveTagPrefix + `$region" manifest media out=""
  local get=(aws ecr batch-get-image --repository-name "$REPOSITORY" --image-ids imageDigest="$IMAGE_DIGEST"
    --accepted-media-types ` + words(manifestMediaTypes) + `)
  if manifest=$("${get[@]}" --query 'images[0].imageManifest' --output text) &&
    media=$("${get[@]}" --query 'images[0].imageManifestMediaType' --output text) &&
    { out=$(aws ecr put-image --repository-name "$REPOSITORY" --image-tag "$live" --image-digest "$IMAGE_DIGEST" \
        --image-manifest "$manifest" --image-manifest-media-type "$media" 2>&1) || [[ "$out" == *ImageAlreadyExistsException* ]]; }; then
    echo "$REPOSITORY@$IMAGE_DIGEST is $live"; return
  fi
  [ -z "$out" ] || echo "$out"
  echo "$stack runs $image, but moving its tag $live failed"
  untagged="$untagged $region"
}
# CodeBuild counts its timeout from the build's start (CODEBUILD_START_TIME, in milliseconds).
started=$(( ${CODEBUILD_START_TIME:-0} / 1000 )); [ "$started" -gt 0 ] || started=$(date +%s)
deadline=$(( started + ` + strconv.Itoa(deployStopMinutes*60) + ` ))
for entry in $STACKS; do
  region="${entry%%=*}"; stack="${entry#*=}"
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "$stack: no time left in this build to deploy it: the release stops before it; release again"
    exit 1
  fi
  target "$ACCOUNT" "$region"
  image="$ACCOUNT.dkr.ecr.$region.amazonaws.com/$REPOSITORY@$IMAGE_DIGEST"
  aws ecr describe-images --repository-name "$REPOSITORY" --image-ids imageDigest="$IMAGE_DIGEST" >/dev/null
  previous=$(aws ssm get-parameter --name "$PARAMETER" --query Parameter.Value --output text)
  restore() { aws ssm put-parameter --name "$PARAMETER" --overwrite --value "$previous" >/dev/null; echo "$PARAMETER is $previous again"; }
  aws ssm put-parameter --name "$PARAMETER" --overwrite --value "$image" >/dev/null
  # Until the update completes, a failing command (set -e) puts the previous image back first.
  trap restore ERR
  params=()
  for key in $(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Parameters[].ParameterKey' --output text); do
    params+=("ParameterKey=$key,UsePreviousValue=true")
  done
  if ! out=$(aws cloudformation update-stack --stack-name "$stack" --use-previous-template --parameters "${params[@]}" \
      --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
      --role-arn "arn:aws:iam::$ACCOUNT:role/cdk-$QUALIFIER-cfn-exec-role-$ACCOUNT-$region" 2>&1); then
    case "$out" in *"No updates are to be performed"*) echo "$stack already runs $image"; trap - ERR; mark_live; continue ;; esac
    echo "$out"; restore; exit 1
  fi
  echo "$stack: deploying $image"
  while sleep 30; do
    status=$(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)
    case "$status" in
      UPDATE_COMPLETE) echo "$stack: deployed $image"; trap - ERR; mark_live; break ;;
      *ROLLBACK_COMPLETE|*FAILED) echo "$stack: $status (see its events and the ECS deployment)"; restore; exit 1 ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$stack: still $status near the end of the build's time: the release stops here"
      restore
      echo "$stack: the update goes on without this run; once it ends, release again (a run of the same commit reuses its image)"
      exit 1
    fi
  done
done
[ -z "$untagged" ] || exit 1 # report_untagged names them`

// manifestMediaTypes are the manifest types the release asks ECR for: the single-image ones
// BatchGetImage documents beside Docker's old v1 (which ECR would convert to, changing the
// digest). The Build stage's docker push stores one of them; a multi-architecture index would
// come back as a failure, and the run would say to tag it by hand.
var manifestMediaTypes = []string{"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"}

// words joins values into one space-separated variable value.
func words(values []string) string { return strings.Join(values, " ") }
