import json
import unittest

import index

CLUSTER = "App-Cluster-abc"


def arn(name):
    return f"arn:aws:ecs:eu-west-1:123456789012:service/{CLUSTER}/{name}"


class FakeECS:
    """A cluster of services (name -> dict), listed page_size at a time; records calls."""

    def __init__(self, services, page_size=100):
        self.services, self.page_size = services, page_size
        self.list_calls, self.describe_batches, self.updates = [], [], []

    def list_services(self, cluster, nextToken=None):
        assert cluster == CLUSTER
        self.list_calls.append(nextToken)
        names = sorted(self.services)
        start = int(nextToken or 0)
        page = {"serviceArns": [arn(n) for n in names[start : start + self.page_size]]}
        if start + self.page_size < len(names):
            page["nextToken"] = str(start + self.page_size)
        return page

    def describe_services(self, cluster, services, include):
        assert cluster == CLUSTER and include == ["TAGS"]
        assert len(services) <= 10, "DescribeServices takes at most 10"
        self.describe_batches.append(len(services))
        out = []
        for a in services:
            name = a.rsplit("/", 1)[1]
            s = self.services[name]
            out.append({
                "serviceName": name, "status": s.get("status", "ACTIVE"),
                "desiredCount": s["desired"], "runningCount": s["running"],
                "tags": [{"key": k, "value": v} for k, v in s.get("tags", {"stratus:service": name}).items()],
            })
        return {"services": out}

    def update_service(self, cluster, service, desiredCount):
        self.updates.append((service, desiredCount))
        self.services[service]["desired"] = desiredCount


class FakeAutoscaling:
    def __init__(self, targets):
        self.targets, self.registered = targets, []  # name -> (min, max)

    def describe_scalable_targets(self, ServiceNamespace, ResourceIds, ScalableDimension):
        assert ServiceNamespace == "ecs" and ScalableDimension == "ecs:service:DesiredCount"
        name = ResourceIds[0].rsplit("/", 1)[1]
        assert ResourceIds[0] == f"service/{CLUSTER}/{name}"
        if name not in self.targets:
            return {"ScalableTargets": []}
        low, high = self.targets[name]
        return {"ScalableTargets": [{"MinCapacity": low, "MaxCapacity": high}]}

    def register_scalable_target(self, ServiceNamespace, ResourceId, ScalableDimension, MinCapacity, MaxCapacity):
        name = ResourceId.rsplit("/", 1)[1]
        self.registered.append((name, MinCapacity, MaxCapacity))
        self.targets[name] = (MinCapacity, MaxCapacity)


def full(desired=3, low=2, high=10):
    return {"desiredCount": desired, "minCount": low, "maxCount": high}


def env(targets, percent="80"):
    return {"CLUSTER": CLUSTER, "SERVICES": json.dumps(targets), "MINIMUM_RUNNING_PERCENT": percent}


def clients(ecs, autoscaling):
    return lambda service: {"ecs": ecs, "application-autoscaling": autoscaling}[service]


class Scale(unittest.TestCase):
    def test_raises_a_warm_service_to_full_capacity_then_waits_for_its_tasks(self):
        ecs = FakeECS({"product": {"desired": 1, "running": 1}})
        aas = FakeAutoscaling({"product": (1, 4)})
        with self.assertRaisesRegex(index.StillScaling, r"^still scaling: product 1/3$"):
            index.run(env({"product": full(3, 2, 10)}), clients(ecs, aas))
        self.assertEqual([("product", 2, 10)], aas.registered)
        self.assertEqual([("product", 3)], ecs.updates)
        # The retry a minute later: nothing more to raise; 3 of 3 run now.
        ecs.services["product"]["running"] = 3
        out = json.loads(index.run(env({"product": full(3, 2, 10)}), clients(ecs, aas)))
        self.assertEqual({"cluster": CLUSTER, "services": {"product": {"desired": 3, "running": 3, "needed": 3}}}, out)
        self.assertEqual(1, len(aas.registered), "idempotent: no second register")
        self.assertEqual(1, len(ecs.updates), "idempotent: no second update")

    def test_never_lowers_a_count_or_a_bound(self):
        ecs = FakeECS({"order": {"desired": 7, "running": 7}})
        aas = FakeAutoscaling({"order": (5, 20)})
        out = json.loads(index.run(env({"order": full(3, 2, 10)}), clients(ecs, aas)))
        self.assertEqual(7, out["services"]["order"]["desired"])
        self.assertEqual([], aas.registered)
        self.assertEqual([], ecs.updates)

    def test_raises_only_the_bound_that_is_short(self):
        ecs = FakeECS({"order": {"desired": 4, "running": 4}})
        aas = FakeAutoscaling({"order": (1, 20)})
        index.run(env({"order": full(3, 2, 10)}), clients(ecs, aas))
        self.assertEqual([("order", 2, 20)], aas.registered, "min raised, the higher max kept")
        self.assertEqual([], ecs.updates)

    def test_desired_follows_a_raised_minimum(self):
        ecs = FakeECS({"order": {"desired": 1, "running": 4}})
        aas = FakeAutoscaling({"order": (1, 4)})
        index.run(env({"order": full(2, 4, 10)}), clients(ecs, aas))
        self.assertEqual([("order", 4)], ecs.updates)

    def test_succeeds_at_the_minimum_running_percent(self):
        ecs = FakeECS({"a": {"desired": 10, "running": 8}, "b": {"desired": 10, "running": 7}})
        aas = FakeAutoscaling({})
        with self.assertRaisesRegex(index.StillScaling, r"^still scaling: b 7/8$"):
            index.run(env({"a": full(10, 1, 10), "b": full(10, 1, 10)}), clients(ecs, aas))
        ecs.services["b"]["running"] = 8
        index.run(env({"a": full(10, 1, 10), "b": full(10, 1, 10)}), clients(ecs, aas))

    def test_a_service_without_its_tag_is_named(self):
        ecs = FakeECS({
            "order": {"desired": 1, "running": 1},
            "user": {"desired": 1, "running": 1, "tags": {"other": "user"}},
            "old": {"desired": 0, "running": 0, "status": "DRAINING", "tags": {"stratus:service": "product"}},
        })
        with self.assertRaises(RuntimeError) as caught:
            index.run(env({"order": full(1, 1, 2), "user": full(), "product": full()}), clients(ecs, FakeAutoscaling({})))
        self.assertNotIsInstance(caught.exception, index.StillScaling)
        self.assertIn(f"cluster {CLUSTER} has no active ECS service tagged stratus:service for: product, user", str(caught.exception))
        self.assertEqual([], ecs.updates, "nothing is changed before every service is found")

    def test_pages_through_the_services_and_describes_ten_at_a_time(self):
        services = {f"s{i:02d}": {"desired": 2, "running": 2} for i in range(23)}
        ecs = FakeECS(services, page_size=9)
        out = json.loads(index.run(env({n: full(2, 1, 4) for n in services}), clients(ecs, FakeAutoscaling({}))))
        self.assertEqual(23, len(out["services"]))
        self.assertEqual([None, "9", "18"], ecs.list_calls)
        self.assertEqual([10, 10, 3], ecs.describe_batches)


class Config(unittest.TestCase):
    def test_rejects_a_bad_setting(self):
        with self.assertRaisesRegex(ValueError, "MINIMUM_RUNNING_PERCENT 0"):
            index.config(env({}, percent="0"))
        with self.assertRaisesRegex(ValueError, r"SERVICES\[a\] needs whole"):
            index.config(env({"a": {"desiredCount": 1}}))


if __name__ == "__main__":
    unittest.main()
