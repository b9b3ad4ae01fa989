"""CloudFormation custom resources (provider framework) of a Transit Gateway peering.

Two resource types share this handler:

- Custom::RemoteParameter reads an SSM parameter in another region (the peer gateway's id, a
  peering attachment's id, or a hostname). CloudFormation references stay within a region, so each region
  publishes what the others need under a deterministic parameter name.
- Custom::GlobalWriterEndpoint reads an Aurora global cluster's writer endpoint (its name is
  known only once the global cluster exists, in the home region).
- Custom::TransitGatewayPeeringAccepter accepts, in its own region, the peering attachment
  another region requested, and reports complete once the attachment is `available`. There is
  no CloudFormation resource that accepts a peering.

on_event starts the work; the framework then calls is_complete until it answers True (or the
provider's total timeout passes).
"""

import re

ATTACHMENT = re.compile(r"^tgw-attach-[0-9a-f]{8,17}$")
GATEWAY = re.compile(r"^tgw-[0-9a-f]{8,17}$")
HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
KINDS = {"gateway": GATEWAY, "attachment": ATTACHMENT, "hostname": HOSTNAME}

# Attachment states that will never become available without a new request.
DEAD = ("rejected", "rejecting", "failed", "failing", "deleted", "deleting")


def remote_value(ssm, name, pattern):
    """Returns the value of parameter name read with ssm, checked against pattern."""
    value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    if not pattern.match(value):
        raise ValueError(f"parameter {name} holds {value!r}, not an id of the expected kind")
    return value


def attachment_state(ec2, attachment_id):
    """The attachment's state as the local region sees it, or None when it is not visible yet."""
    found = ec2.describe_transit_gateway_peering_attachments(TransitGatewayAttachmentIds=[attachment_id])
    items = found.get("TransitGatewayPeeringAttachments", [])
    return items[0]["State"] if items else None


def on_event(event, clients):
    """Creates/updates: reads the remote parameter and, for an accepter, accepts the attachment.
    Deletes: nothing; deleting the requester's attachment removes the peering on both sides."""
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if event["ResourceType"] == "Custom::GlobalWriterEndpoint":
        rds = clients("rds", props["ClusterRegion"])
        found = rds.describe_global_clusters(GlobalClusterIdentifier=props["GlobalClusterIdentifier"])["GlobalClusters"]
        value = found[0].get("Endpoint", "") if found else ""
        if not HOSTNAME.match(value):
            raise ValueError(f"global cluster {props['GlobalClusterIdentifier']} has no writer endpoint yet ({value!r})")
        return {"PhysicalResourceId": value, "Data": {"Value": value}}
    ssm = clients("ssm", props["ParameterRegion"])
    if event["ResourceType"] == "Custom::RemoteParameter":
        value = remote_value(ssm, props["ParameterName"], KINDS[props["Kind"]])
        return {"PhysicalResourceId": value, "Data": {"Value": value}}
    attachment_id = remote_value(ssm, props["ParameterName"], ATTACHMENT)
    ec2 = clients("ec2", None)
    state = attachment_state(ec2, attachment_id)
    if state == "pendingAcceptance":
        ec2.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=attachment_id)
    elif state in DEAD:
        raise RuntimeError(f"peering attachment {attachment_id} is {state}; request it again from {props['ParameterRegion']}")
    # The attachment id names the resource: a new request (another id) replaces it.
    return {"PhysicalResourceId": attachment_id, "Data": {"AttachmentId": attachment_id}}


def is_complete(event, clients):
    """Complete once the accepted attachment is available; a remote parameter is at once."""
    if event["RequestType"] == "Delete" or event["ResourceType"] != "Custom::TransitGatewayPeeringAccepter":
        return {"IsComplete": True}
    attachment_id = event["PhysicalResourceId"]
    ec2 = clients("ec2", None)
    state = attachment_state(ec2, attachment_id)
    if state in DEAD:
        raise RuntimeError(f"peering attachment {attachment_id} is {state}")
    if state == "pendingAcceptance":
        # Visible only now (the request propagates between regions): accept it.
        ec2.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=attachment_id)
    if state != "available":
        return {"IsComplete": False}
    return {"IsComplete": True, "Data": {"AttachmentId": attachment_id}}


def boto3_clients(service, region):
    import boto3  # the Lambda runtime has it; the unit tests never import it

    return boto3.client(service, region_name=region) if region else boto3.client(service)


def handler(event, _context):
    return on_event(event, boto3_clients)


def complete_handler(event, _context):
    return is_complete(event, boto3_clients)
