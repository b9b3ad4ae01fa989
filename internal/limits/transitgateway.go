package limits

// Transit Gateway bounds (network.transitGateway). A transit gateway's Amazon side ASN must be
// private: a 16-bit one from the first range or a 32-bit one from the second.
const (
	MinPrivateASN16 = 64512
	MaxPrivateASN16 = 65534
	MinPrivateASN32 = 4200000000
	MaxPrivateASN32 = 4294967294
	// DefaultTransitGatewayASN is the ASN of the first region; region i gets this + i.
	DefaultTransitGatewayASN = MinPrivateASN16
	// TransitGatewaySubnetBits is the size of the derived attachment subnets (AWS recommends a
	// /28 of their own per AZ); Min/MaxAttachmentSubnetBits bound explicit ones.
	TransitGatewaySubnetBits = 28
	MinAttachmentSubnetBits  = 24
	MaxAttachmentSubnetBits  = 28
	// TransitGatewaySubnetOctet is the third octet of a /16 VPC whose /24 holds the derived
	// attachment subnets: AZ i gets <a>.<b>.30.(16*i)/28, beside the tiers' 1-3, 10-12 and 20-22.
	TransitGatewaySubnetOctet = 30
)

// ValidASN reports whether asn is a private ASN a transit gateway accepts.
func ValidASN(asn int) bool {
	return (asn >= MinPrivateASN16 && asn <= MaxPrivateASN16) || (asn >= MinPrivateASN32 && asn <= MaxPrivateASN32)
}
