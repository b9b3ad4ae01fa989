import unittest

import fakes  # first: it puts the handler folder on the path

import origin  # noqa: E402
import protocol  # noqa: E402

ENV = {"HEADER_NAME": "X-Origin-Verify", "TAG_KEY": "stratus:origin-secret", "TAG_VALUE": "stratus/dev/origin-verify",
       "REGIONS": "eu-west-1,us-east-1", "CHECKED_BY": "alb"}
LB = "elasticloadbalancing:loadbalancer"
DIST = "cloudfront:distribution"


class OriginTest(unittest.TestCase):
    def setUp(self):
        self.sm = fakes.Secrets()
        self.elb = {r: fakes.LoadBalancers() for r in ("eu-west-1", "us-east-1")}
        self.cf = fakes.CloudFront()
        self.tagging = {
            "eu-west-1": fakes.Tagging({LB: ["arn:lb/eu"]}),
            "us-east-1": fakes.Tagging({LB: ["arn:lb/us"], DIST: ["arn:aws:cloudfront::1:distribution/EDFDVBD6EXAMPLE"]}),
        }
        self.clients = fakes.Clients(secretsmanager=self.sm, elbv2=self.elb, cloudfront=self.cf,
                                     resourcegroupstaggingapi=self.tagging)
        self.slept = []

    def run_step(self, step, remaining_ms=900_000):
        o = origin.Origin(ENV, self.clients, fakes.Context(remaining_ms), sleep=self.slept.append)
        protocol.dispatch(fakes.event(step), self.sm, o.steps())

    def test_create_keeps_an_existing_pending_value(self):
        self.sm.pend()
        self.run_step("createSecret")
        self.assertEqual([], self.sm.calls, "a retry must not replace the pending value")
        self.assertEqual("new-value", self.sm.values["v2"])

    def test_create_generates_when_missing(self):
        self.sm.stages["v2"] = ["AWSPENDING"]
        self.sm.get_secret_value = self.missing_pending(self.sm.get_secret_value)
        self.run_step("createSecret")
        self.assertEqual(["put"], self.sm.calls)
        self.assertEqual("n" * protocol.TOKEN_LENGTH, self.sm.values["v2"])

    def missing_pending(self, real):
        def get(SecretId, VersionStage, VersionId=None):
            if VersionStage == "AWSPENDING" and "v2" not in self.sm.values:
                raise fakes.not_found("GetSecretValue")
            return real(SecretId=SecretId, VersionStage=VersionStage, VersionId=VersionId)
        return get

    def test_set_makes_every_region_accept_both_then_switches_cloudfront(self):
        self.sm.pend()
        self.run_step("setSecret")
        for region, elb in self.elb.items():
            self.assertEqual(["old-value", "new-value"], elb.accepted(), region)
            self.assertEqual(["rule/api"], elb.modified, "only rules checking the origin header change")
            self.assertEqual({"Values": ["/api/*"]}, elb.rules["rule/api"][0]["PathPatternConfig"])
        self.assertEqual("new-value", self.cf.sent())
        self.assertEqual(["EDFDVBD6EXAMPLE"], self.cf.updates)
        self.assertEqual([[{"Key": ENV["TAG_KEY"], "Values": [ENV["TAG_VALUE"]]}]], self.tagging["eu-west-1"].filters)

    def test_set_is_idempotent(self):
        self.sm.pend()
        self.run_step("setSecret")
        self.run_step("setSecret")
        self.assertEqual(["EDFDVBD6EXAMPLE"], self.cf.updates)
        self.assertEqual(["rule/api"], self.elb["eu-west-1"].modified)

    def test_set_refuses_when_a_region_has_no_rule_but_cloudfront_exists(self):
        self.sm.pend()
        self.tagging["eu-west-1"].by_type = {}
        with self.assertRaisesRegex(protocol.RotationError, "eu-west-1"):
            self.run_step("setSecret")
        self.assertEqual([], self.cf.updates, "CloudFront must not switch before every ALB accepts the value")

    def test_set_before_first_deploy_touches_nothing(self):
        self.sm.pend()
        for t in self.tagging.values():
            t.by_type = {}
        self.run_step("setSecret")
        self.assertEqual([], self.cf.updates)

    def test_test_waits_for_cloudfront_then_fails_when_out_of_time(self):
        self.sm.pend()
        self.run_step("setSecret")
        with self.assertRaisesRegex(protocol.RotationError, "not ready"):
            self.run_step("testSecret", remaining_ms=10_000)
        statuses = iter(["InProgress", "Deployed"])
        real = self.cf.get_distribution

        def get(Id):
            self.cf.status = next(statuses)
            return real(Id=Id)
        self.cf.get_distribution = get
        self.run_step("testSecret")
        self.assertEqual([15], self.slept)

    def test_test_fails_when_a_rule_lost_the_pending_value(self):
        self.sm.pend()
        self.run_step("setSecret")
        self.cf.status = "Deployed"
        self.elb["us-east-1"].rules["rule/api"][1]["HttpHeaderConfig"]["Values"] = ["old-value"]
        with self.assertRaisesRegex(protocol.RotationError, "does not accept"):
            self.run_step("testSecret")

    def test_finish_promotes_and_keeps_previous_accepted(self):
        self.sm.pend()
        self.run_step("setSecret")
        self.run_step("finishSecret")
        self.assertEqual(["AWSCURRENT"], self.sm.stages["v2"])
        self.assertEqual(["AWSPREVIOUS"], self.sm.stages["v1"])
        self.assertEqual(["old-value", "new-value"], self.elb["eu-west-1"].accepted())

    def test_next_rotation_drops_the_oldest_value(self):
        self.sm.pend()
        for step in ("setSecret", "finishSecret"):
            self.run_step(step)
        self.sm.pend("v3", "newest")
        o = origin.Origin(ENV, self.clients, None)
        protocol.dispatch(fakes.event("setSecret", "v3"), self.sm, o.steps())
        self.assertEqual(["new-value", "newest"], self.elb["eu-west-1"].accepted())
        self.assertEqual("newest", self.cf.sent())


class AuthorizerTest(unittest.TestCase):
    """An environment whose HTTP API authorizer checks the header: no load balancer anywhere."""

    def setUp(self):
        self.sm = fakes.Secrets()
        self.cf = fakes.CloudFront()
        # No elbv2 client at all: calling Elastic Load Balancing fails the test.
        self.tagging = {"us-east-1": fakes.Tagging({DIST: ["arn:aws:cloudfront::1:distribution/EDFDVBD6EXAMPLE"]})}
        self.clients = fakes.Clients(secretsmanager=self.sm, cloudfront=self.cf, resourcegroupstaggingapi=self.tagging)
        self.env = dict(ENV, CHECKED_BY="authorizer")

    def run_step(self, step):
        o = origin.Origin(self.env, self.clients, fakes.Context(900_000), sleep=lambda s: None)
        protocol.dispatch(fakes.event(step), self.sm, o.steps())

    def test_every_step_switches_cloudfront_without_a_load_balancer(self):
        self.sm.pend()
        self.run_step("setSecret")
        self.assertEqual("new-value", self.cf.sent())
        self.assertEqual(["EDFDVBD6EXAMPLE"], self.cf.updates)
        self.cf.status = "Deployed"
        self.run_step("testSecret")
        self.run_step("finishSecret")
        self.assertEqual(["AWSCURRENT"], self.sm.stages["v2"])

    def test_an_unknown_checker_is_refused(self):
        self.env["CHECKED_BY"] = "nlb"
        with self.assertRaisesRegex(protocol.RotationError, "CHECKED_BY 'nlb' must be one of alb, authorizer"):
            origin.Origin(self.env, self.clients)


class ProtocolTest(unittest.TestCase):
    def test_rejects_bad_events(self):
        sm = fakes.Secrets()
        with self.assertRaisesRegex(protocol.RotationError, "unknown rotation step"):
            protocol.dispatch(fakes.event("fooSecret"), sm, {})
        with self.assertRaisesRegex(protocol.RotationError, "no version"):
            protocol.dispatch(fakes.event("setSecret", "v9"), sm, {})
        sm.stages["v2"] = []
        with self.assertRaisesRegex(protocol.RotationError, "not AWSPENDING"):
            protocol.dispatch(fakes.event("setSecret"), sm, {})
        with self.assertRaisesRegex(protocol.RotationError, "rotation enabled"):
            protocol.dispatch(fakes.event("setSecret"), fakes.Secrets(rotation=False), {})

    def test_current_version_is_a_no_op(self):
        called = []
        protocol.dispatch(fakes.event("setSecret", "v1"), fakes.Secrets(), {"setSecret": lambda a, t: called.append(t)})
        self.assertEqual([], called)


if __name__ == "__main__":
    unittest.main()
