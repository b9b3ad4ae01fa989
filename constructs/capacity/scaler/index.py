"""Scales one region's ECS services up to their full configured capacity.

An ARC Region switch plan invokes this function in the region it activates, and invokes it
again every retry interval while it fails, until the step's timeout. So each invocation does
the whole job again (it is idempotent): raise what is short, then report success only once
enough tasks run. It never lowers a count or a bound: capacity another process added (a scaling
policy, an operator) stays.

Environment:
  CLUSTER                 the region's ECS cluster name
  SERVICES                JSON {"<svc>": {"desiredCount": n, "minCount": n, "maxCount": n}}
  MINIMUM_RUNNING_PERCENT share of the desired tasks that must run before it succeeds
"""

import json
import math
import os

TAG = "stratus:service"
DIMENSION = "ecs:service:DesiredCount"
DESCRIBE_BATCH = 10  # ecs:DescribeServices takes at most 10 services per call


class StillScaling(Exception):
    """Raised while some service runs too few tasks: Region switch retries the step."""


def service_arns(ecs, cluster):
    """Every service ARN of the cluster, following the pages."""
    arns, kwargs = [], {"cluster": cluster}
    while True:
        page = ecs.list_services(**kwargs)
        arns.extend(page.get("serviceArns", []))
        if not page.get("nextToken"):
            return arns
        kwargs["nextToken"] = page["nextToken"]


def tagged_services(ecs, cluster):
    """The cluster's services by the value of their stratus:service tag."""
    arns, found = service_arns(ecs, cluster), {}
    for i in range(0, len(arns), DESCRIBE_BATCH):
        page = ecs.describe_services(cluster=cluster, services=arns[i : i + DESCRIBE_BATCH], include=["TAGS"])
        for svc in page.get("services", []):
            if svc.get("status") != "ACTIVE":
                continue
            for tag in svc.get("tags", []):
                if tag.get("key") == TAG:
                    found[tag["value"]] = svc
    return found


def raise_bounds(autoscaling, cluster, svc, target):
    """Raises the service's scalable target to at least target's min and max; never lowers.
    Returns the (possibly raised) minimum."""
    resource = f"service/{cluster}/{svc['serviceName']}"
    found = autoscaling.describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[resource], ScalableDimension=DIMENSION
    ).get("ScalableTargets", [])
    if not found:
        return 0  # a service without autoscaling: its desired count alone decides
    current = found[0]
    low = max(current["MinCapacity"], target["minCount"])
    high = max(current["MaxCapacity"], target["maxCount"], low)
    if (low, high) != (current["MinCapacity"], current["MaxCapacity"]):
        autoscaling.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=low, MaxCapacity=high
        )
    return low


def scale(ecs, autoscaling, cluster, targets, minimum_percent):
    """One pass: raises every service short of its target, then returns the summary, or raises
    StillScaling while some service runs fewer than minimum_percent of its desired tasks."""
    services = tagged_services(ecs, cluster)
    missing = sorted(set(targets) - set(services))
    if missing:
        raise RuntimeError(
            f"cluster {cluster} has no active ECS service tagged {TAG} for: " + ", ".join(missing)
            + " (are the region's Service stacks deployed?)"
        )
    summary, short = {}, []
    for name in sorted(targets):
        target, svc = targets[name], services[name]
        low = raise_bounds(autoscaling, cluster, svc, target)
        desired = max(svc["desiredCount"], target["desiredCount"], low)
        if desired > svc["desiredCount"]:
            ecs.update_service(cluster=cluster, service=svc["serviceName"], desiredCount=desired)
        need = math.ceil(desired * minimum_percent / 100)
        running = svc.get("runningCount", 0)
        summary[name] = {"desired": desired, "running": running, "needed": need}
        if running < need:
            short.append(f"{name} {running}/{need}")
    if short:
        raise StillScaling("still scaling: " + ", ".join(short))
    return summary


def config(environ):
    """The function's settings from its environment, checked."""
    targets = json.loads(environ["SERVICES"])
    for name, t in targets.items():
        if not all(isinstance(t.get(k), int) and t[k] >= 0 for k in ("desiredCount", "minCount", "maxCount")):
            raise ValueError(f"SERVICES[{name}] needs whole desiredCount, minCount and maxCount")
    percent = int(environ["MINIMUM_RUNNING_PERCENT"])  # the construct always sets it (default 80)
    if not 1 <= percent <= 100:
        raise ValueError(f"MINIMUM_RUNNING_PERCENT {percent} is outside 1-100")
    return environ["CLUSTER"], targets, percent


def run(environ, clients):
    cluster, targets, percent = config(environ)
    summary = scale(clients("ecs"), clients("application-autoscaling"), cluster, targets, percent)
    return json.dumps({"cluster": cluster, "services": summary}, sort_keys=True)


def boto3_client(service):
    import boto3  # the Lambda runtime has it; the unit tests never import it

    return boto3.client(service)


def handler(_event, _context):
    try:
        out = run(os.environ, boto3_client)
    except Exception as e:
        print(repr(e))  # the log holds every attempt; Region switch shows the last error
        raise
    print(out)
    return out
