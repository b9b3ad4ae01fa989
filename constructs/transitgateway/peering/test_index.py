import unittest

import index

GATEWAY = "tgw-0123456789abcdef0"
ATTACHMENT = "tgw-attach-0123456789abcdef0"


class FakeSSM:
    def __init__(self, values):
        self.values = values
        self.names = []

    def get_parameter(self, Name):
        self.names.append(Name)
        return {"Parameter": {"Value": self.values[Name]}}


class FakeEC2:
    """Answers describe with the queued states (the last one repeats); records accepts."""

    def __init__(self, *states):
        self.states = list(states)
        self.accepted = []

    def describe_transit_gateway_peering_attachments(self, TransitGatewayAttachmentIds):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if state is None:
            return {"TransitGatewayPeeringAttachments": []}
        return {"TransitGatewayPeeringAttachments": [{"TransitGatewayAttachmentId": TransitGatewayAttachmentIds[0], "State": state}]}

    def accept_transit_gateway_peering_attachment(self, TransitGatewayAttachmentId):
        self.accepted.append(TransitGatewayAttachmentId)


class Clients:
    def __init__(self, ssm, ec2=None):
        self.ssm, self.ec2, self.calls = ssm, ec2, []

    def __call__(self, service, region):
        self.calls.append((service, region))
        return self.ssm if service == "ssm" else self.ec2


def event(kind, request="Create", **props):
    base = {"ParameterRegion": "us-east-1", "ParameterName": "/stratus/prod/transit-gateway/peering/eu-west-1"}
    base.update(props)
    out = {"RequestType": request, "ResourceType": kind, "ResourceProperties": base}
    if request != "Create":
        out["PhysicalResourceId"] = ATTACHMENT
    return out


ACCEPTER = "Custom::TransitGatewayPeeringAccepter"


class RemoteParameter(unittest.TestCase):
    def test_reads_the_gateway_id_in_the_parameter_region(self):
        name = "/stratus/prod/transit-gateway/id"
        clients = Clients(FakeSSM({name: GATEWAY}))
        out = index.on_event(event("Custom::RemoteParameter", ParameterName=name, ParameterRegion="eu-west-1", Kind="gateway"), clients)
        self.assertEqual({"PhysicalResourceId": GATEWAY, "Data": {"Value": GATEWAY}}, out)
        self.assertEqual([("ssm", "eu-west-1")], clients.calls)
        self.assertEqual({"IsComplete": True}, index.is_complete(event("Custom::RemoteParameter"), clients))

    def test_rejects_a_value_of_the_wrong_kind(self):
        name = "/stratus/prod/transit-gateway/id"
        clients = Clients(FakeSSM({name: ATTACHMENT}))
        with self.assertRaisesRegex(ValueError, "not an id of the expected kind"):
            index.on_event(event("Custom::RemoteParameter", ParameterName=name, Kind="gateway"), clients)

    def test_reads_a_global_writer_endpoint_in_the_home_region(self):
        host = "stratus-prod-order.global-abc123.global.rds.amazonaws.com"

        class FakeRDS:
            def __init__(self):
                self.asked = []

            def describe_global_clusters(self, GlobalClusterIdentifier):
                self.asked.append(GlobalClusterIdentifier)
                return {"GlobalClusters": [{"GlobalClusterIdentifier": GlobalClusterIdentifier, "Endpoint": host}]}

        rds = FakeRDS()
        calls = []

        def clients(service, region):
            calls.append((service, region))
            return rds

        ev = {"RequestType": "Create", "ResourceType": "Custom::GlobalWriterEndpoint",
              "ResourceProperties": {"ClusterRegion": "us-east-1", "GlobalClusterIdentifier": "stratus-prod-order"}}
        self.assertEqual({"PhysicalResourceId": host, "Data": {"Value": host}}, index.on_event(ev, clients))
        self.assertEqual([("rds", "us-east-1")], calls)
        self.assertEqual(["stratus-prod-order"], rds.asked)
        self.assertEqual({"IsComplete": True}, index.is_complete(ev, clients))
        host = ""
        with self.assertRaisesRegex(ValueError, "has no writer endpoint yet"):
            index.on_event(ev, clients)

    def test_reads_a_writer_endpoint(self):
        name = "/stratus/prod/database/order/global-writer-endpoint"
        host = "stratus-prod-order.global-abc123.global.rds.amazonaws.com"
        clients = Clients(FakeSSM({name: host}))
        out = index.on_event(event("Custom::RemoteParameter", ParameterName=name, Kind="hostname"), clients)
        self.assertEqual(host, out["Data"]["Value"])
        clients = Clients(FakeSSM({name: "not a host; rm -rf"}))
        with self.assertRaisesRegex(ValueError, "not an id of the expected kind"):
            index.on_event(event("Custom::RemoteParameter", ParameterName=name, Kind="hostname"), clients)


class Accepter(unittest.TestCase):
    def setUp(self):
        self.ssm = FakeSSM({"/stratus/prod/transit-gateway/peering/eu-west-1": ATTACHMENT})

    def test_accepts_a_pending_attachment_then_waits_for_available(self):
        ec2 = FakeEC2("pendingAcceptance", "pending", "available")
        clients = Clients(self.ssm, ec2)
        out = index.on_event(event(ACCEPTER), clients)
        self.assertEqual({"PhysicalResourceId": ATTACHMENT, "Data": {"AttachmentId": ATTACHMENT}}, out)
        self.assertEqual([ATTACHMENT], ec2.accepted)
        self.assertIn(("ssm", "us-east-1"), clients.calls, "the attachment id is read in the requester's region")
        self.assertIn(("ec2", None), clients.calls, "the accept runs in the function's own region")
        done = event(ACCEPTER, request="Update")
        self.assertEqual({"IsComplete": False}, index.is_complete(done, clients))
        self.assertEqual({"IsComplete": True, "Data": {"AttachmentId": ATTACHMENT}}, index.is_complete(done, clients))
        self.assertEqual([ATTACHMENT], ec2.accepted, "accepted once")

    def test_an_attachment_not_visible_yet_is_accepted_when_it_shows(self):
        ec2 = FakeEC2(None, "pendingAcceptance", "available")
        clients = Clients(self.ssm, ec2)
        index.on_event(event(ACCEPTER), clients)
        self.assertEqual([], ec2.accepted)
        self.assertEqual({"IsComplete": False}, index.is_complete(event(ACCEPTER, request="Update"), clients))
        self.assertEqual([ATTACHMENT], ec2.accepted)

    def test_an_already_available_attachment_is_not_accepted_again(self):
        ec2 = FakeEC2("available")
        index.on_event(event(ACCEPTER, request="Update"), Clients(self.ssm, ec2))
        self.assertEqual([], ec2.accepted)

    def test_a_rejected_attachment_fails(self):
        clients = Clients(self.ssm, FakeEC2("rejected"))
        with self.assertRaisesRegex(RuntimeError, "is rejected"):
            index.on_event(event(ACCEPTER), clients)
        with self.assertRaisesRegex(RuntimeError, "is rejected"):
            index.is_complete(event(ACCEPTER, request="Update"), clients)

    def test_delete_leaves_the_peering_to_the_requester(self):
        ec2 = FakeEC2("available")
        clients = Clients(self.ssm, ec2)
        self.assertEqual({"PhysicalResourceId": ATTACHMENT}, index.on_event(event(ACCEPTER, request="Delete"), clients))
        self.assertEqual({"IsComplete": True}, index.is_complete(event(ACCEPTER, request="Delete"), clients))
        self.assertEqual([], clients.calls)


if __name__ == "__main__":
    unittest.main()
