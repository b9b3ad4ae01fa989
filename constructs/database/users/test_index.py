import json
import unittest

import index


class FakeDataAPI:
    """Records the statements; raises the queued errors first."""

    def __init__(self, errors=()):
        self.errors = list(errors)
        self.calls = []

    def execute_statement(self, **kwargs):
        if self.errors:
            raise self.errors.pop(0)
        self.calls.append(kwargs)


class DatabaseResumingException(Exception):
    pass


class BadRequestException(Exception):
    pass


def event(request_type="Create", users=("orders", "billing-api")):
    return {
        "RequestType": request_type, "ResponseURL": "https://example.com/response",
        "StackId": "stack", "RequestId": "req", "LogicalResourceId": "Users",
        "ResourceProperties": {"ClusterArn": "arn:cluster", "SecretArn": "arn:secret",
                               "Database": "orders", "Users": list(users)},
    }


class Sent:
    def __init__(self):
        self.bodies = []

    def __call__(self, url, data):
        self.bodies.append((url, json.loads(data)))


class HandlerTest(unittest.TestCase):
    def test_create_runs_idempotent_statements_per_user(self):
        api, sent = FakeDataAPI(), Sent()
        index.handle(event(), api, sent, sleep=lambda s: None)
        sqls = [c["sql"] for c in api.calls]
        self.assertEqual(8, len(sqls))
        self.assertIn("IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orders')", sqls[0])
        self.assertIn('CREATE ROLE "orders" LOGIN', sqls[0])
        self.assertEqual('GRANT rds_iam TO "orders"', sqls[1])
        self.assertEqual('GRANT rds_iam TO "billing-api"', sqls[5])
        for c in api.calls:
            self.assertEqual(("arn:cluster", "arn:secret", "orders"), (c["resourceArn"], c["secretArn"], c["database"]))
        url, body = sent.bodies[0]
        self.assertEqual("https://example.com/response", url)
        self.assertEqual("SUCCESS", body["Status"])
        self.assertEqual("arn:cluster/orders", body["PhysicalResourceId"])

    def test_delete_keeps_the_users(self):
        api, sent = FakeDataAPI(), Sent()
        ev = event("Delete")
        ev["PhysicalResourceId"] = "arn:cluster/orders"
        index.handle(ev, api, sent)
        self.assertEqual([], api.calls)
        self.assertEqual("SUCCESS", sent.bodies[0][1]["Status"])
        self.assertEqual("arn:cluster/orders", sent.bodies[0][1]["PhysicalResourceId"])

    def test_transient_errors_are_retried(self):
        api, sent, waits = FakeDataAPI([DatabaseResumingException("resuming")] * 2), Sent(), []
        index.handle(event(users=["orders"]), api, sent, sleep=waits.append)
        self.assertEqual([5, 10], waits)
        self.assertEqual(4, len(api.calls))
        self.assertEqual("SUCCESS", sent.bodies[0][1]["Status"])

    def test_other_errors_fail_the_deploy_with_the_reason(self):
        api, sent = FakeDataAPI([BadRequestException("cluster is read-only")]), Sent()
        index.handle(event(), api, sent, sleep=lambda s: None)
        self.assertEqual([], api.calls)
        body = sent.bodies[0][1]
        self.assertEqual("FAILED", body["Status"])
        self.assertIn("BadRequestException: cluster is read-only", body["Reason"])

    def test_names_that_need_escaping_are_refused(self):
        for bad in ['x"; DROP TABLE t; --', "Orders", "", "a'b", 7]:
            with self.assertRaises(ValueError, msg=repr(bad)):
                index.identifier(bad)
        api, sent = FakeDataAPI(), Sent()
        index.handle(event(users=["ok", "bad'name"]), api, sent)
        self.assertEqual("FAILED", sent.bodies[0][1]["Status"])
        self.assertEqual([], api.calls, "nothing runs before every name is checked")


if __name__ == "__main__":
    unittest.main()
