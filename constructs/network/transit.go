package network

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Peer is another region of the environment, reached over a transit gateway.
type Peer struct {
	// Name names the region in rule descriptions, e.g. "eu-west-1".
	Name string
	// AppCidrs are the peer's app subnets: the services that may reach this region's databases.
	AppCidrs []string
	// DataCidrs are the peer's data subnets: the databases this region's services may reach
	// (the Aurora global writer endpoint resolves there while the writer is in that region).
	DataCidrs []string
}

// naclRuleQuota is how many rules a network ACL holds per direction (the default quota).
const naclRuleQuota = 20

// Rule numbers of the peer rules in the data NACL, above the tiers' own (100-134 in, 100-124 out).
const (
	peerIngressRuleBase = 140
	peerEgressRuleBase  = 130
)

// AdmitPeers opens exactly the cross-region database path: each peer's app subnets to the
// database port of this region's data subnets (database security group and data NACL, with the
// responses), and this region's services with a database (ServicePort.Database) to the database
// port of each peer's data subnets, on NetworkProps.DatabasePort, the port every database group
// admits. The caches stay regional (a Global Datastore replicates over AWS's network, not the
// VPC).
func (n *Network) AdmitPeers(peers []Peer) error {
	databasePort := n.databasePort
	nacl, ok := n.Node().TryFindChild(jsii.String("DataNacl")).(ec2.NetworkAcl)
	if !ok {
		return errors.New("network: no data NACL to extend")
	}
	zones := len(*n.Vpc.IsolatedSubnets())
	var apps []string
	var errs []error
	for i, p := range peers {
		for _, c := range append(append([]string{}, p.AppCidrs...), p.DataCidrs...) {
			if pf, err := netip.ParsePrefix(c); err != nil || !pf.Addr().Is4() || pf.Masked() != pf || pf.Bits() < 8 {
				errs = append(errs, fmt.Errorf("Peers[%d] (%s): %q is not an IPv4 subnet CIDR", i, p.Name, c))
			}
		}
		apps = append(apps, p.AppCidrs...)
	}
	// The data NACL already holds 4 inbound and 3 outbound rules per zone.
	if in := 4*zones + len(apps); in > naclRuleQuota {
		errs = append(errs, fmt.Errorf("the data NACL would hold %d inbound rules (%d zones here, %d peer app subnets); a NACL holds %d",
			in, zones, len(apps), naclRuleQuota))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("network: invalid peers:\n%w", err)
	}
	port := ec2.Port_Tcp(jsii.Number(float64(databasePort)))
	var entries []constructs.IConstruct
	k := 0
	for _, p := range peers {
		admitPeer(n.DatabaseSecurityGroup, port, p)
		for _, g := range n.peeredGroups {
			admitPeer(g, port, p)
		}
		n.peers = append(n.peers, p)
		for _, c := range p.AppCidrs {
			in := nacl.AddEntry(jsii.String(fmt.Sprintf("DatabaseFromPeerApp%d", k)), &ec2.CommonNetworkAclEntryOptions{
				Cidr: ec2.AclCidr_Ipv4(jsii.String(c)), RuleNumber: jsii.Number(float64(peerIngressRuleBase + k)),
				Traffic: ec2.AclTraffic_TcpPort(jsii.Number(float64(databasePort))), Direction: ec2.TrafficDirection_INGRESS, RuleAction: ec2.Action_ALLOW,
			})
			out := nacl.AddEntry(jsii.String(fmt.Sprintf("ResponsesToPeerApp%d", k)), &ec2.CommonNetworkAclEntryOptions{
				Cidr: ec2.AclCidr_Ipv4(jsii.String(c)), RuleNumber: jsii.Number(float64(peerEgressRuleBase + k)),
				Traffic: ec2.AclTraffic_TcpPortRange(jsii.Number(1024), jsii.Number(65535)), Direction: ec2.TrafficDirection_EGRESS, RuleAction: ec2.Action_ALLOW,
			})
			entries = append(entries, in, out)
			k++
		}
		for _, c := range p.DataCidrs {
			for _, name := range slices.Sorted(slices.Values(n.databaseClients)) {
				n.ServiceSecurityGroups[name].AddEgressRule(ec2.Peer_Ipv4(jsii.String(c)), port,
					jsii.String(fmt.Sprintf("To the databases in the data subnet %s of %s over the transit gateway", c, p.Name)), nil)
			}
		}
	}
	for _, e := range entries {
		cdknag.NagSuppressions_AddResourceSuppressions(e, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-VPC3"),
			Reason: jsii.String("The data-tier NACL is deliberate defense in depth around the isolated data subnets: this entry " +
				"admits the database port from (or answers) one app subnet of a peered region, the only cross-region flow."),
		}}, jsii.Bool(true))
	}
	return nil
}
