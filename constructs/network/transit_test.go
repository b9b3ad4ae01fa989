package network

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

var peer = Peer{Name: "eu-west-1", AppCidrs: []string{"10.2.10.0/24", "10.2.11.0/24"}, DataCidrs: []string{"10.2.20.0/24", "10.2.21.0/24"}}

// peeredTemplate is tieredProps' network admitting peer.
func peeredTemplate(t *testing.T) map[string]any {
	t.Helper()
	stack := cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
	n, err := NewNetwork(stack, "Network", tieredProps())
	require.NoError(t, err)
	require.NoError(t, n.AdmitPeers([]Peer{peer}))
	return cdktest.Template(t, stack)
}

func TestPeersReachOnlyTheDatabasePort(t *testing.T) {
	tpl := peeredTemplate(t)
	got := egressByGroup(t, tpl)
	assert.Equal(t, []string{
		"tcp 443-443 to 0.0.0.0/0",
		"tcp 5432-5432 to 10.2.20.0/24", "tcp 5432-5432 to 10.2.21.0/24", // the peer's databases (global writer endpoint)
		"tcp 5432-5432 to Databases: database port from the services only",
		"tcp 6379-6379 to Caches: cache port from the services only",
	}, got["Service order: port 9090 from the ALB only"])
	assert.Equal(t, []string{
		"tcp 443-443 to 0.0.0.0/0",
		"tcp 6379-6379 to Caches: cache port from the services only",
	}, got["Service stock: port 9091 from the ALB only"], "a service without a database reaches no peer's databases either")
	assert.Equal(t, []string{noTraffic}, got["Databases: database port from the services only"], "the databases call nothing")
	assert.Equal(t, []string{noTraffic}, got["Caches: cache port from the services only"], "no cross-region cache path")

	var ingress []string
	for _, g := range cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroup") {
		p := cdktest.Props(t, g)
		rules, _ := p["SecurityGroupIngress"].([]any)
		for _, r := range rules {
			rule := r.(map[string]any)
			if rule["CidrIp"] != nil {
				ingress = append(ingress, fmt.Sprintf("%s: %v %v-%v from %v", p["GroupDescription"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIp"]))
			}
		}
	}
	assert.Subset(t, ingress, []string{
		"Databases: database port from the services only: tcp 5432-5432 from 10.2.10.0/24",
		"Databases: database port from the services only: tcp 5432-5432 from 10.2.11.0/24",
	})
	for _, r := range ingress {
		assert.NotContains(t, r, "10.2.2", "nothing admits the peer's data subnets: %s", r)
		assert.NotContains(t, r, "0.0.0.0/0")
	}

	assert.Equal(t, []string{
		"100 10.9.10.0/24 5432-5432 allow", "101 10.9.11.0/24 5432-5432 allow",
		"110 10.9.10.0/24 6379-6379 allow", "111 10.9.11.0/24 6379-6379 allow",
		"120 10.9.20.0/24 1024-65535 allow", "121 10.9.21.0/24 1024-65535 allow",
		"130 10.9.10.0/24 32768-65535 allow", "131 10.9.11.0/24 32768-65535 allow",
		"140 10.2.10.0/24 5432-5432 allow", "141 10.2.11.0/24 5432-5432 allow", // the peer's services, database port only
	}, naclEntries(t, tpl, false), "inbound")
	assert.Equal(t, []string{
		"100 10.9.10.0/24 1024-65535 allow", "101 10.9.11.0/24 1024-65535 allow",
		"110 10.9.20.0/24 1024-65535 allow", "111 10.9.21.0/24 1024-65535 allow",
		"120 10.9.10.0/24 443-443 allow", "121 10.9.11.0/24 443-443 allow",
		"130 10.2.10.0/24 1024-65535 allow", "131 10.2.11.0/24 1024-65535 allow", // responses to the peer's services
	}, naclEntries(t, tpl, true), "outbound")
}

func TestTooManyPeerSubnetsAreRejected(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
	n, err := NewNetwork(stack, "Network", tieredProps())
	require.NoError(t, err)
	many := Peer{Name: "eu-west-1"}
	for i := range 13 {
		many.AppCidrs = append(many.AppCidrs, fmt.Sprintf("10.2.%d.0/24", 100+i))
	}
	err = n.AdmitPeers([]Peer{many, {Name: "x", DataCidrs: []string{"10.3.0.0/33"}}})
	require.Error(t, err)
	assert.ErrorContains(t, err, "the data NACL would hold 21 inbound rules (2 zones here, 13 peer app subnets); a NACL holds 20")
	assert.ErrorContains(t, err, `Peers[1] (x): "10.3.0.0/33" is not an IPv4 subnet CIDR`)
}

// ingressByGroup lists every ingress rule of every security group of template, inline or a
// resource of its own, as "<protocol> <from>-<to> from <source>", by the group's description.
// The source is a CIDR, a prefix list or another group's description.
func ingressByGroup(t *testing.T, template map[string]any) map[string][]string {
	t.Helper()
	name := map[string]string{}
	for id, g := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroup") {
		name[id] = cdktest.Path[string](t, g, "Properties", "GroupDescription")
	}
	groupOf := func(ref any) string {
		getAtt := cdktest.Path[[]any](t, ref, "Fn::GetAtt")
		require.Len(t, getAtt, 2)
		return name[fmt.Sprint(getAtt[0])]
	}
	describe := func(rule map[string]any) string {
		from := fmt.Sprint(rule["CidrIp"], rule["SourcePrefixListId"])
		if rule["SourceSecurityGroupId"] != nil {
			from = groupOf(rule["SourceSecurityGroupId"])
		}
		return fmt.Sprintf("%v %v-%v from %s", rule["IpProtocol"], rule["FromPort"], rule["ToPort"], strings.TrimSuffix(strings.TrimSuffix(from, "<nil>"), "<nil>"))
	}
	out := map[string][]string{}
	for id, g := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroup") {
		rules, _ := cdktest.Props(t, g)["SecurityGroupIngress"].([]any)
		for _, r := range rules {
			out[name[id]] = append(out[name[id]], describe(r.(map[string]any)))
		}
	}
	for _, r := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroupIngress") {
		props := cdktest.Props(t, r)
		out[groupOf(props["GroupId"])] = append(out[groupOf(props["GroupId"])], describe(props))
	}
	for _, rules := range out {
		sort.Strings(rules)
	}
	return out
}

func TestADatabaseGroupAdmitsItsOwnServicesAndThePeersOnly(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
	p := tieredProps()
	p.Services = append(p.Services, ServicePort{Name: "basket", Port: 9092, Database: true})
	n, err := NewNetwork(stack, "Network", p)
	require.NoError(t, err)
	_, err = n.NewDatabaseGroup(stack, "OrderDatabase", DatabaseGroupProps{Owner: "order", Clients: []string{"order", "basket"}, FromPeers: true,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	require.NoError(t, err, "a group made before the peers are admitted")
	_, err = n.NewDatabaseGroup(stack, "LocalDatabase", DatabaseGroupProps{Owner: "local", Clients: []string{"basket"}})
	require.NoError(t, err, "a database no other region reaches, made before the peers are admitted")
	require.NoError(t, n.AdmitPeers([]Peer{peer}))
	_, err = n.NewDatabaseGroup(stack, "StockDatabase", DatabaseGroupProps{Owner: "stock", Clients: []string{"stock"}, FromPeers: true})
	require.NoError(t, err, "a group made after")
	_, err = n.NewDatabaseGroup(stack, "GhostDatabase", DatabaseGroupProps{Owner: "ghost", Clients: []string{"ghost", "order"}})
	assert.EqualError(t, err, "network: the database of ghost: clients [ghost order]: no service security group for [ghost]")
	_, err = n.NewDatabaseGroup(stack, "LonelyDatabase", DatabaseGroupProps{Owner: "lonely"})
	assert.Error(t, err, "a database no service reaches")

	const order, stock, local = "Database of order: database port from its services only", "Database of stock: database port from its services only",
		"Database of local: database port from its services only"
	tpl := cdktest.Template(t, stack)
	in := ingressByGroup(t, tpl)
	peers := []string{"tcp 5432-5432 from 10.2.10.0/24", "tcp 5432-5432 from 10.2.11.0/24"}
	assert.Equal(t, append(append([]string{}, peers...),
		"tcp 5432-5432 from Service basket: port 9092 from the ALB only",
		"tcp 5432-5432 from Service order: port 9090 from the ALB only"), in[order], "the owner, the service sharing its database and the peers' services")
	assert.Equal(t, append(append([]string{}, peers...), "tcp 5432-5432 from Service stock: port 9091 from the ALB only"), in[stock])
	assert.Equal(t, []string{"tcp 5432-5432 from Service basket: port 9092 from the ALB only"}, in[local], "no peer without FromPeers")
	assert.NotContains(t, in, "Database of ghost: database port from its services only", "a refused group is not made")

	out := egressByGroup(t, tpl)
	assert.Equal(t, []string{noTraffic}, out[order], "the database calls nothing")
	assert.Contains(t, out["Service order: port 9090 from the ALB only"], "tcp 5432-5432 to "+order)
	assert.Contains(t, out["Service basket: port 9092 from the ALB only"], "tcp 5432-5432 to "+order)
	assert.Contains(t, out["Service stock: port 9091 from the ALB only"], "tcp 5432-5432 to "+stock)
	assert.NotContains(t, out["Service stock: port 9091 from the ALB only"], "tcp 5432-5432 to "+order, "no service reaches another's database")
	assert.NotContains(t, out["Service order: port 9090 from the ALB only"], "tcp 5432-5432 to "+stock)

	policies := map[string]any{}
	for _, g := range cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroup") {
		policies[cdktest.Path[string](t, g, "Properties", "GroupDescription")] = g["DeletionPolicy"]
	}
	assert.Equal(t, "Retain", policies[order], "kept with a retained database, which EC2 would not let it go from")
	assert.Nil(t, policies[stock], "deleted by default")
}
