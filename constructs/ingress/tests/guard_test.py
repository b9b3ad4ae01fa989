"""Runs the rule-weights guard (guard.go's guardCode, written to <dir>/index.py) against a fake ELB API."""
import sys
import types
import unittest

sys.path.insert(0, sys.argv.pop(1))
sent = []
cfnresponse = types.ModuleType("cfnresponse")
cfnresponse.SUCCESS, cfnresponse.FAILED = "SUCCESS", "FAILED"
cfnresponse.send = lambda event, context, status, data, physical_id, reason=None: sent.append((status, data, reason))
sys.modules["cfnresponse"] = cfnresponse
boto3 = types.ModuleType("boto3")
boto3.client = lambda name: None
sys.modules["boto3"] = boto3
import index  # noqa: E402

BLUE, GREEN, OTHER = "arn:tg/blue", "arn:tg/green", "arn:tg/other"


def rule(priority, groups):
    return {"Priority": priority, "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]}


class FakeElb:
    def __init__(self, pages, fail=False):
        self.pages, self.fail = pages, fail

    def describe_rules(self, ListenerArn, Marker=None):
        if self.fail:
            raise RuntimeError("AccessDenied")
        i = int(Marker or 0)
        page = {"Rules": self.pages[i]}
        if i + 1 < len(self.pages):
            page["NextMarker"] = str(i + 1)
        return page


def run(elb, request="Update", priority="10"):
    index.elb = elb
    sent.clear()
    index.handler({"RequestType": request, "ResourceProperties": {
        "ListenerArn": "arn:listener", "Primary": BLUE, "Alternate": GREEN, "Priority": priority}}, None)
    return sent[0]


class GuardTest(unittest.TestCase):
    def test_carries_the_weights_ecs_set(self):
        pages = [[rule("5", [{"TargetGroupArn": OTHER, "Weight": 1}])],
                 [rule("10", [{"TargetGroupArn": BLUE, "Weight": 0}, {"TargetGroupArn": GREEN, "Weight": 100}])]]
        self.assertEqual(run(FakeElb(pages)), ("SUCCESS", {"PrimaryWeight": "0", "AlternateWeight": "100"}, None))

    def test_mid_canary_weights_are_kept(self):
        pages = [[rule("10", [{"TargetGroupArn": BLUE, "Weight": 90}, {"TargetGroupArn": GREEN, "Weight": 10}])]]
        self.assertEqual(run(FakeElb(pages))[1], {"PrimaryWeight": "90", "AlternateWeight": "10"})

    def test_prefers_the_rule_with_its_priority(self):
        pages = [[rule("1", [{"TargetGroupArn": BLUE, "Weight": 100}, {"TargetGroupArn": GREEN, "Weight": 0}]),
                  rule("10", [{"TargetGroupArn": BLUE, "Weight": 0}, {"TargetGroupArn": GREEN, "Weight": 100}])]]
        self.assertEqual(run(FakeElb(pages))[1], {"PrimaryWeight": "0", "AlternateWeight": "100"})

    def test_a_single_group_rule_counts_as_all_there(self):
        pages = [[{"Priority": "10", "Actions": [{"Type": "forward", "TargetGroupArn": GREEN}]}]]
        self.assertEqual(run(FakeElb(pages))[1], {"PrimaryWeight": "0", "AlternateWeight": "1"})

    def test_a_new_rule_starts_on_the_primary(self):
        self.assertEqual(run(FakeElb([[]]), request="Create"), ("SUCCESS", {"PrimaryWeight": "100", "AlternateWeight": "0"}, None))

    def test_a_failed_read_fails_the_deployment(self):
        status, _, reason = run(FakeElb([[]], fail=True))
        self.assertEqual(status, "FAILED")
        self.assertIn("AccessDenied", reason)

    def test_delete_reads_nothing(self):
        self.assertEqual(run(FakeElb([[]], fail=True), request="Delete")[0], "SUCCESS")


if __name__ == "__main__":
    unittest.main()
