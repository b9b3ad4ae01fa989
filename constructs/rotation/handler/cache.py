"""Rotates the cache AUTH token with ElastiCache's ROTATE-then-SET strategy.

ECS tasks read REDIS_AUTH only when they start, so the old token must stay valid until every task
runs with the new one:
- createSecret first finishes the previous rotation: when the secret carries the SET_TAG tag, it
  SETs the current token (dropping the previous one, which no task has used since the previous
  rotation's redeployment), then stores a new pending token;
- setSecret waits for the replication group and ROTATEs to the pending token (both now valid);
- testSecret waits until the group is available again;
- finishSecret promotes the token, forces a new deployment of every ECS service tagged
  TAG_KEY=TAG_VALUE in every region and tags the secret so the next rotation SETs.
The previous token thus stays valid for one rotation period; rotate the secret by hand (or set
a shorter period) to drop it sooner.
"""

import os

import protocol
from protocol import RotationError, log

SET_TAG = "stratus:auth-token-set-pending"


class Cache:
    def __init__(self, env, client, context=None, sleep=None):
        self.group = env["REPLICATION_GROUP_ID"]
        self.tag_key, self.tag_value = env["TAG_KEY"], env["TAG_VALUE"]
        self.regions = protocol.regions(env)
        self.client, self.context, self.sleep = client, context, sleep
        self.sm = client("secretsmanager", None)
        self.elasticache = client("elasticache", None)

    def steps(self):
        return {
            "createSecret": self.create_secret,
            "setSecret": self.set_secret,
            "testSecret": lambda arn, token: self.wait_available(),
            "finishSecret": self.finish_secret,
        }

    def available(self):
        groups = self.elasticache.describe_replication_groups(ReplicationGroupId=self.group)["ReplicationGroups"]
        return groups[0]["Status"] == "available"

    def wait_available(self):
        protocol.wait(self.available, self.context, f"replication group {self.group}", sleep=self.sleep)

    def modify(self, token, strategy):
        self.wait_available()
        self.elasticache.modify_replication_group(
            ReplicationGroupId=self.group, AuthToken=token, AuthTokenUpdateStrategy=strategy, ApplyImmediately=True
        )
        log.info("%s of the AUTH token of %s started", strategy, self.group)

    def set_pending(self, arn):
        tags = self.sm.describe_secret(SecretId=arn).get("Tags", [])
        return any(t["Key"] == SET_TAG for t in tags)

    def create_secret(self, arn, token):
        if self.set_pending(arn):
            current = self.sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]
            self.modify(current, "SET")
            self.sm.untag_resource(SecretId=arn, TagKeys=[SET_TAG])
        protocol.create_pending(self.sm, arn, token)

    def set_secret(self, arn, token):
        _, pending = protocol.values(self.sm, arn, token)
        self.modify(pending, "ROTATE")

    def finish_secret(self, arn, token):
        protocol.promote(self.sm, arn, token)
        # Tagged before the redeployments, so a failure below still leaves the SET to the next rotation.
        self.sm.tag_resource(SecretId=arn, Tags=[{"Key": SET_TAG, "Value": "true"}])
        failed = []
        for region in self.regions:
            ecs = self.client("ecs", region)
            for service in protocol.tagged(self.client("resourcegroupstaggingapi", region), self.tag_key, self.tag_value,
                                           "ecs:service"):
                # arn:aws:ecs:<region>:<account>:service/<cluster>/<service>
                cluster = service.split("/")[-2]
                try:
                    ecs.update_service(cluster=cluster, service=service, forceNewDeployment=True)
                    log.info("new deployment of %s", service)
                except Exception as err:  # one failed service must not keep the others on the old token
                    log.error("new deployment of %s failed: %s", service, err)
                    failed.append(service)
        if failed:
            raise RotationError(f"the new token is current, but these services were not redeployed: {', '.join(failed)}; "
                                "run `aws ecs update-service --force-new-deployment` on each")


def handler(event, context):
    c = Cache(os.environ, protocol.client, context)
    protocol.dispatch(event, c.sm, c.steps())
