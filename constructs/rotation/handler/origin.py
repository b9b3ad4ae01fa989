"""Rotates the CloudFront origin secret (the value CloudFront sends in a custom origin header and
every regional ALB listener rule, or API Gateway authorizer, requires).

setSecret lets every tagged ALB rule of every region accept both the current and the pending value,
then points every tagged CloudFront distribution's origin header at the pending value; testSecret
waits until the distributions are Deployed with it; finishSecret promotes it. The rules keep the
previous value until the next rotation, so no request is refused while CloudFront's edges switch.
Rules and distributions are found by tag (TAG_KEY=TAG_VALUE), never by cross-region reference.

With CHECKED_BY=authorizer there are no rules: the environment's HTTP API authorizer reads the
secret's current, pending and previous values itself, so only the distributions change.
"""

import os

import protocol
from protocol import RotationError, log

CLOUDFRONT_REGION = "us-east-1"
CHECKERS = ("alb", "authorizer")  # what checks the origin header: ALB listener rules, or an authorizer


class Origin:
    def __init__(self, env, client, context=None, sleep=None):
        self.header = env["HEADER_NAME"]
        self.tag_key, self.tag_value = env["TAG_KEY"], env["TAG_VALUE"]
        self.regions = protocol.regions(env)
        if env["CHECKED_BY"] not in CHECKERS:
            raise RotationError(f"CHECKED_BY {env['CHECKED_BY']!r} must be one of {', '.join(CHECKERS)}")
        self.alb = env["CHECKED_BY"] == "alb"
        self.client, self.context, self.sleep = client, context, sleep
        self.sm = client("secretsmanager", None)

    def steps(self):
        return {
            "createSecret": lambda arn, token: protocol.create_pending(self.sm, arn, token),
            "setSecret": self.set_secret,
            "testSecret": self.test_secret,
            "finishSecret": lambda arn, token: protocol.promote(self.sm, arn, token),
        }

    # Load balancer rules.

    def is_origin_header(self, condition):
        cfg = condition.get("HttpHeaderConfig") or {}
        return condition.get("Field") == "http-header" and cfg.get("HttpHeaderName", "").lower() == self.header.lower()

    def rules(self, region):
        """(elbv2 client, rule) for every rule checking the origin header on the tagged ALBs of region."""
        elb = self.client("elbv2", region)
        found = []
        for lb in protocol.tagged(self.client("resourcegroupstaggingapi", region), self.tag_key, self.tag_value,
                                  "elasticloadbalancing:loadbalancer"):
            for page in elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=lb):
                for listener in page.get("Listeners", []):
                    for page2 in elb.get_paginator("describe_rules").paginate(ListenerArn=listener["ListenerArn"]):
                        for rule in page2.get("Rules", []):
                            if any(self.is_origin_header(c) for c in rule.get("Conditions", [])):
                                found.append((elb, rule))
        return found

    def accept(self, elb, rule, accepted):
        """Makes rule's origin-header condition accept exactly the values in accepted (any of them)."""
        conditions, changed = [], False
        for c in rule["Conditions"]:
            c = {k: v for k, v in c.items() if k != "Values" or not any(k2.endswith("Config") for k2 in c)}
            if self.is_origin_header(c):
                if sorted(c["HttpHeaderConfig"].get("Values", [])) != sorted(accepted):
                    c["HttpHeaderConfig"] = {"HttpHeaderName": c["HttpHeaderConfig"]["HttpHeaderName"], "Values": list(accepted)}
                    changed = True
            conditions.append(c)
        if changed:
            elb.modify_rule(RuleArn=rule["RuleArn"], Conditions=conditions)
            log.info("rule %s accepts %d origin values", rule["RuleArn"], len(accepted))

    def all_rules(self):
        """Every region's rules, by region; none, and no region, when an authorizer checks the header."""
        if not self.alb:
            return {}
        return {r: self.rules(r) for r in self.regions}

    # Distributions.

    def distributions(self):
        arns = protocol.tagged(self.client("resourcegroupstaggingapi", CLOUDFRONT_REGION), self.tag_key, self.tag_value,
                               "cloudfront:distribution")
        return [a.rsplit("/", 1)[-1] for a in arns]

    def headers(self, config):
        for origin in config.get("Origins", {}).get("Items", []):
            for h in origin.get("CustomHeaders", {}).get("Items", []):
                if h["HeaderName"].lower() == self.header.lower():
                    yield h

    def send(self, cf, dist, value):
        """Points every origin header of distribution dist at value (a no-op when it already is)."""
        out = cf.get_distribution_config(Id=dist)
        config, changed = out["DistributionConfig"], False
        for h in self.headers(config):
            if h["HeaderValue"] != value:
                h["HeaderValue"], changed = value, True
        if changed:
            cf.update_distribution(Id=dist, IfMatch=out["ETag"], DistributionConfig=config)
            log.info("distribution %s sends the new origin value", dist)

    def deployed(self, cf, dist, value):
        d = cf.get_distribution(Id=dist)["Distribution"]
        sent = list(self.headers(d["DistributionConfig"]))
        return d["Status"] == "Deployed" and bool(sent) and all(h["HeaderValue"] == value for h in sent)

    # Steps.

    def set_secret(self, arn, token):
        current, pending = protocol.values(self.sm, arn, token)
        rules = self.all_rules()
        dists = self.distributions()
        missing = [r for r, found in rules.items() if not found]
        if dists and missing:
            raise RotationError(f"no ALB rule checks {self.header} on a load balancer tagged {self.tag_key}={self.tag_value} "
                                f"in {', '.join(missing)}; CloudFront would be refused there")
        # The ALBs first: they accept both values before CloudFront sends the new one.
        for found in rules.values():
            for elb, rule in found:
                self.accept(elb, rule, [current, pending])
        cf = self.client("cloudfront", CLOUDFRONT_REGION)
        for dist in dists:
            self.send(cf, dist, pending)

    def test_secret(self, arn, token):
        _, pending = protocol.values(self.sm, arn, token)
        for region, found in self.all_rules().items():
            for _, rule in found:
                header = next(c for c in rule["Conditions"] if self.is_origin_header(c))
                if pending not in header["HttpHeaderConfig"].get("Values", []):
                    raise RotationError(f"rule {rule['RuleArn']} ({region}) does not accept the pending value")
        cf = self.client("cloudfront", CLOUDFRONT_REGION)
        for dist in self.distributions():
            protocol.wait(lambda: self.deployed(cf, dist, pending), self.context, f"distribution {dist}", sleep=self.sleep)


def handler(event, context):
    o = Origin(os.environ, protocol.client, context)
    protocol.dispatch(event, o.sm, o.steps())
