import unittest

import fakes  # first: it puts the handler folder on the path

import cache  # noqa: E402
import protocol  # noqa: E402

ENV = {"REPLICATION_GROUP_ID": "rg-1", "TAG_KEY": "stratus:cache-secret", "TAG_VALUE": "dev-cache", "REGIONS": "eu-west-1,us-east-1"}
SVC = "ecs:service"


class CacheTest(unittest.TestCase):
    def setUp(self):
        self.sm = fakes.Secrets()
        self.ec = fakes.ElastiCache()
        self.ecs = {"eu-west-1": fakes.Ecs(), "us-east-1": fakes.Ecs()}
        self.tagging = {
            "eu-west-1": fakes.Tagging({SVC: ["arn:aws:ecs:eu-west-1:1:service/stratus-dev/api"]}),
            "us-east-1": fakes.Tagging({SVC: ["arn:aws:ecs:us-east-1:1:service/stratus-dev-us/api"]}),
        }
        self.clients = fakes.Clients(secretsmanager=self.sm, elasticache=self.ec, ecs=self.ecs,
                                     resourcegroupstaggingapi=self.tagging)
        self.slept = []

    def run_step(self, step, token="v2", remaining_ms=900_000):
        c = cache.Cache(ENV, self.clients, fakes.Context(remaining_ms), sleep=self.slept.append)
        protocol.dispatch(fakes.event(step, token), self.sm, c.steps())

    def rotate(self, token, value):
        self.sm.pend(token, value)
        for step in protocol.STEPS:
            self.run_step(step, token)

    def test_first_rotation_rotates_and_redeploys_without_set(self):
        self.rotate("v2", "new-token")
        self.assertEqual([("ROTATE", "new-token")], self.ec.modifications)
        self.assertEqual(["AWSCURRENT"], self.sm.stages["v2"])
        self.assertEqual([("stratus-dev", "arn:aws:ecs:eu-west-1:1:service/stratus-dev/api")], self.ecs["eu-west-1"].deployed)
        self.assertEqual([("stratus-dev-us", "arn:aws:ecs:us-east-1:1:service/stratus-dev-us/api")], self.ecs["us-east-1"].deployed)
        self.assertEqual([cache.SET_TAG], [t["Key"] for t in self.sm.tags])

    def test_next_rotation_sets_the_current_token_first(self):
        self.rotate("v2", "new-token")
        self.rotate("v3", "newest")
        self.assertEqual([("ROTATE", "new-token"), ("SET", "new-token"), ("ROTATE", "newest")], self.ec.modifications)
        self.assertEqual([cache.SET_TAG], [t["Key"] for t in self.sm.tags])

    def test_modifications_wait_for_the_group(self):
        self.ec.statuses = ["modifying", "available"]
        self.sm.pend()
        self.run_step("setSecret")
        self.assertEqual([15], self.slept)
        self.assertEqual([("ROTATE", "new-value")], self.ec.modifications)

    def test_busy_group_fails_the_step_before_timeout(self):
        self.ec.statuses = ["modifying"]
        self.sm.pend()
        with self.assertRaisesRegex(protocol.RotationError, "rg-1 is not ready"):
            self.run_step("testSecret", remaining_ms=20_000)
        with self.assertRaisesRegex(protocol.RotationError, "not ready"):
            self.run_step("setSecret", remaining_ms=20_000)
        self.assertEqual([], self.ec.modifications)

    def test_finish_reports_services_it_could_not_redeploy(self):
        self.ecs["eu-west-1"].fail = {"arn:aws:ecs:eu-west-1:1:service/stratus-dev/api"}
        self.sm.pend()
        with self.assertRaisesRegex(protocol.RotationError, "stratus-dev/api"):
            self.run_step("finishSecret")
        self.assertEqual(["AWSCURRENT"], self.sm.stages["v2"], "the token is current even so")
        self.assertEqual(1, len(self.ecs["us-east-1"].deployed), "other services still roll")
        self.assertEqual([cache.SET_TAG], [t["Key"] for t in self.sm.tags])


if __name__ == "__main__":
    unittest.main()
