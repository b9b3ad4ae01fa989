"""The Secrets Manager four-step rotation protocol, shared by both rotation functions.

A rotator supplies create/set/test/finish callbacks; this module checks the event against the
secret's versions (so a stale or repeated call does nothing harmful) and moves the stages.
"""

import logging
import time

import boto3
from botocore.exceptions import ClientError

log = logging.getLogger()
log.setLevel(logging.INFO)

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
TOKEN_LENGTH = 64


class RotationError(Exception):
    """A step cannot go on; Secrets Manager marks the rotation failed and retries it later."""


def error_code(err):
    return err.response.get("Error", {}).get("Code", "")


def dispatch(event, sm, steps):
    """Runs the step named in event with steps[step](arn, token), after checking the version."""
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if step not in STEPS:
        raise RotationError(f"unknown rotation step {step!r} (expected one of {', '.join(STEPS)})")
    meta = sm.describe_secret(SecretId=arn)
    if not meta.get("RotationEnabled"):
        raise RotationError(f"secret {arn} does not have rotation enabled")
    stages = meta.get("VersionIdsToStages", {})
    if token not in stages:
        raise RotationError(f"secret {arn} has no version {token}")
    if "AWSCURRENT" in stages[token]:
        log.info("version %s of %s is already AWSCURRENT: nothing to do in %s", token, arn, step)
        return
    if "AWSPENDING" not in stages[token]:
        raise RotationError(f"version {token} of {arn} is not AWSPENDING")
    log.info("%s of %s, version %s", step, arn, token)
    steps[step](arn, token)


def create_pending(sm, arn, token):
    """Stores a new random value as the AWSPENDING version token, unless a retry already did."""
    sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        log.info("version %s of %s already has a value", token, arn)
        return
    except ClientError as err:
        if error_code(err) != "ResourceNotFoundException":
            raise
    # Letters and digits only: the value travels in HTTP headers and AUTH commands untouched.
    value = sm.get_random_password(PasswordLength=TOKEN_LENGTH, ExcludePunctuation=True, IncludeSpace=False)["RandomPassword"]
    sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])


def values(sm, arn, token):
    """Returns (current, pending) secret strings of the rotation of version token."""
    current = sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]
    pending = sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    return current, pending


def promote(sm, arn, token):
    """Makes version token AWSCURRENT; the old current becomes AWSPREVIOUS."""
    meta = sm.describe_secret(SecretId=arn)
    current = next((v for v, s in meta.get("VersionIdsToStages", {}).items() if "AWSCURRENT" in s), None)
    if current == token:
        return
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current)
    log.info("version %s of %s is now AWSCURRENT (was %s)", token, arn, current)


def tagged(tagging, key, value, resource_type):
    """ARNs of the resources of resource_type tagged key=value in the tagging client's region."""
    arns = []
    for page in tagging.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": key, "Values": [value]}], ResourceTypeFilters=[resource_type]
    ):
        arns.extend(r["ResourceARN"] for r in page.get("ResourceTagMappingList", []))
    return arns


def wait(ready, context, what, interval=15, sleep=None):
    """Polls ready() until it is true or the invocation is about to time out (then RotationError)."""
    sleep = sleep or time.sleep
    while True:
        if ready():
            return
        if context is None or context.get_remaining_time_in_millis() < (interval + 30) * 1000:
            raise RotationError(f"{what} is not ready yet; the rotation is retried later")
        sleep(interval)


def regions(env):
    """The comma-separated REGIONS variable as a list."""
    return [r for r in env.get("REGIONS", "").split(",") if r]


def client(service, region):
    """A boto3 client in region (None: the function's own region)."""
    return boto3.client(service, region_name=region) if region else boto3.client(service)
