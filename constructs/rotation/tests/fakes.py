"""In-memory stand-ins for the AWS APIs the rotation functions call (no network, no credentials)."""

import os
import sys

from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "handler"))

ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:stratus/dev/x-AbCdEf"


def not_found(op):
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no such version"}}, op)


class Paginated:
    """get_paginator(name).paginate(**kw) yields the one page the method itself returns."""

    def get_paginator(self, name):
        method = getattr(self, name)

        class P:
            def paginate(self, **kw):
                yield method(**kw)

        return P()


class Secrets:
    def __init__(self, current="old-value", rotation=True):
        self.values = {"v1": current}
        self.stages = {"v1": ["AWSCURRENT"]}
        self.tags, self.rotation, self.calls = [], rotation, []

    def describe_secret(self, SecretId):
        return {"RotationEnabled": self.rotation, "VersionIdsToStages": {k: list(v) for k, v in self.stages.items()},
                "Tags": list(self.tags)}

    def get_secret_value(self, SecretId, VersionStage, VersionId=None):
        for v, stages in self.stages.items():
            if VersionStage in stages and (VersionId is None or VersionId == v):
                return {"SecretString": self.values[v]}
        raise not_found("GetSecretValue")

    def get_random_password(self, **kw):
        assert kw["ExcludePunctuation"] and not kw["IncludeSpace"]
        return {"RandomPassword": "n" * kw["PasswordLength"]}

    def put_secret_value(self, SecretId, ClientRequestToken, SecretString, VersionStages):
        self.calls.append("put")
        self.values[ClientRequestToken] = SecretString
        self.stages[ClientRequestToken] = list(VersionStages)

    def update_secret_version_stage(self, SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId):
        self.calls.append(("move", MoveToVersionId, RemoveFromVersionId))
        for v in self.stages:
            self.stages[v] = [s for s in self.stages[v] if s != "AWSPREVIOUS"]
        self.stages[RemoveFromVersionId] = [s for s in self.stages[RemoveFromVersionId] if s != "AWSCURRENT"] + ["AWSPREVIOUS"]
        self.stages[MoveToVersionId] = [s for s in self.stages[MoveToVersionId] if s != "AWSPENDING"] + ["AWSCURRENT"]

    def tag_resource(self, SecretId, Tags):
        self.tags += Tags

    def untag_resource(self, SecretId, TagKeys):
        self.tags = [t for t in self.tags if t["Key"] not in TagKeys]

    def pend(self, token="v2", value="new-value"):
        self.values[token] = value
        self.stages[token] = ["AWSPENDING"]


class Tagging(Paginated):
    def __init__(self, by_type):
        self.by_type = by_type  # resource type -> ARNs
        self.filters = []

    def get_resources(self, TagFilters, ResourceTypeFilters):
        self.filters.append(TagFilters)
        arns = [a for t in ResourceTypeFilters for a in self.by_type.get(t, [])]
        return {"ResourceTagMappingList": [{"ResourceARN": a} for a in arns]}


class LoadBalancers(Paginated):
    def __init__(self, header="X-Origin-Verify", value="old-value"):
        self.rules = {
            "rule/api": [
                {"Field": "path-pattern", "Values": ["/api/*"], "PathPatternConfig": {"Values": ["/api/*"]}},
                {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": header, "Values": [value]}},
            ],
            "rule/health": [{"Field": "host-header", "Values": ["h"], "HostHeaderConfig": {"Values": ["h"]}}],
        }
        self.modified = []

    def describe_listeners(self, LoadBalancerArn):
        return {"Listeners": [{"ListenerArn": LoadBalancerArn + "/listener"}]}

    def describe_rules(self, ListenerArn):
        return {"Rules": [{"RuleArn": a, "Conditions": c} for a, c in self.rules.items()]}

    def modify_rule(self, RuleArn, Conditions):
        for c in Conditions:
            assert not ("Values" in c and any(k.endswith("Config") for k in c)), "Values and a Config together"
        self.modified.append(RuleArn)
        self.rules[RuleArn] = Conditions

    def accepted(self, rule="rule/api"):
        return next(c for c in self.rules[rule] if c["Field"] == "http-header")["HttpHeaderConfig"]["Values"]


class CloudFront:
    def __init__(self, header="X-Origin-Verify", value="old-value", status="Deployed"):
        self.config = {"Origins": {"Items": [
            {"Id": "alb", "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": header, "HeaderValue": value}]}},
            {"Id": "s3", "CustomHeaders": {"Quantity": 0}},
        ]}}
        self.etag, self.status, self.updates = "E1", status, []

    def get_distribution_config(self, Id):
        return {"DistributionConfig": self.config, "ETag": self.etag}

    def update_distribution(self, Id, IfMatch, DistributionConfig):
        assert IfMatch == self.etag
        self.updates.append(Id)
        self.config, self.etag, self.status = DistributionConfig, "E2", "InProgress"

    def get_distribution(self, Id):
        return {"Distribution": {"Status": self.status, "DistributionConfig": self.config}}

    def sent(self):
        return self.config["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"]


class ElastiCache:
    def __init__(self, statuses=("available",)):
        self.statuses, self.modifications = list(statuses), []

    def describe_replication_groups(self, ReplicationGroupId):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"ReplicationGroups": [{"ReplicationGroupId": ReplicationGroupId, "Status": status}]}

    def modify_replication_group(self, **kw):
        assert kw["ApplyImmediately"]
        self.modifications.append((kw["AuthTokenUpdateStrategy"], kw["AuthToken"]))


class Ecs:
    def __init__(self, fail=()):
        self.deployed, self.fail = [], set(fail)

    def update_service(self, cluster, service, forceNewDeployment):
        assert forceNewDeployment
        if service in self.fail:
            raise RuntimeError("service not active")
        self.deployed.append((cluster, service))


class Clients:
    """client(service, region) returning the fakes registered per (service, region)."""

    def __init__(self, **by_service):
        self.by_service = by_service

    def __call__(self, service, region):
        fake = self.by_service[service]
        return fake[region] if isinstance(fake, dict) else fake


class Context:
    def __init__(self, remaining_ms):
        self.remaining = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining


def event(step, token="v2"):
    return {"SecretId": ARN, "ClientRequestToken": token, "Step": step}
