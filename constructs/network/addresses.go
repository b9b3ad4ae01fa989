package network

import (
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// fixedAddresses hands the VPC the exact subnet CIDRs from the props instead of letting
// ec2.Vpc carve them sequentially, so a VPC matches its documented address plan.
type fixedAddresses struct {
	vpcCidr string
	byGroup map[string]string // "<group>/<az>" -> CIDR
}

func newFixedAddresses(p NetworkProps) *fixedAddresses {
	f := &fixedAddresses{vpcCidr: p.VpcCidr, byGroup: map[string]string{}}
	for _, z := range p.Zones {
		f.byGroup[PublicSubnetGroup+"/"+z.Name] = z.PublicCidr
		f.byGroup[AppSubnetGroup+"/"+z.Name] = z.AppCidr
		f.byGroup[DataSubnetGroup+"/"+z.Name] = z.DataCidr
	}
	return f
}

// AllocateVpcCidr implements ec2.IIpAddresses.
func (f *fixedAddresses) AllocateVpcCidr() *ec2.VpcIpamOptions {
	return &ec2.VpcIpamOptions{CidrBlock: jsii.String(f.vpcCidr)}
}

// AllocateSubnetsCidr implements ec2.IIpAddresses. Validated props guarantee every
// (group, AZ) pair the VPC asks for has a CIDR.
func (f *fixedAddresses) AllocateSubnetsCidr(in *ec2.AllocateCidrRequest) *ec2.SubnetIpamOptions {
	var out []*ec2.AllocatedSubnet
	for _, r := range *in.RequestedSubnets {
		out = append(out, &ec2.AllocatedSubnet{Cidr: jsii.String(f.byGroup[*r.Configuration.Name+"/"+*r.AvailabilityZone])})
	}
	return &ec2.SubnetIpamOptions{AllocatedSubnets: &out}
}
