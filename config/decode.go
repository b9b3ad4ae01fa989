package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The keys each mapping accepts, in the order messages list them (the order the files use).
var (
	rootKeys    = []string{"name", "account", "primaryRegion", "terminationProtection", "regions", "network", "services", "cache", "tags"}
	regionKeys  = []string{"name", "cidr", "availabilityZones"}
	azKeys      = []string{"name", "publicSubnet", "appSubnet", "dataSubnet"}
	networkKeys = []string{"natGateways", "interfaceEndpoints", "flowLogRetentionDays"}
	serviceKeys = []string{"name", "port"}
	cacheKeys   = []string{"port"}
)

// problem is one line of a Load error. It keeps the underlying error (if any) so callers can
// still use errors.Is, e.g. with fs.ErrNotExist.
type problem struct {
	file string
	line int    // 0 when the problem has no single place in the file (a missing key, a relation)
	msg  string // starts with the key path
	err  error
}

func (p *problem) Error() string {
	if p.line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.file, p.line, p.msg)
	}
	return p.file + ": " + p.msg
}

func (p *problem) Unwrap() error { return p.err }

// decoder walks a yaml.Node tree by hand (rather than yaml.Unmarshal into structs) so that every
// problem can name its key path and line, and so that decoding carries on past a bad value.
type decoder struct {
	file     string
	problems []error
	// present holds the key paths written in the file, so validation can tell "absent, use the
	// default" from "given".
	present map[string]bool
	// bad holds the key paths whose value was already reported as malformed, so validation does
	// not report a second, derived problem for them (e.g. a port "abc" being "out of range").
	bad map[string]bool
}

// errAt records a problem at a line (0: no line).
func (d *decoder) errAt(line int, format string, args ...any) {
	d.problems = append(d.problems, &problem{file: d.file, line: line, msg: fmt.Sprintf(format, args...)})
}

// err joins every recorded problem into one error, one per line.
func (d *decoder) err() error { return errors.Join(d.problems...) }

// yamlLine extracts the line from yaml.v3's "yaml: line N: msg" errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode parses data strictly into an Environment with defaults applied. It returns nil when the
// document as a whole is unusable; the decoder holds the problems either way.
func decode(file string, data []byte) (*Environment, *decoder) {
	d := &decoder{file: file, present: map[string]bool{}, bad: map[string]bool{}}
	const emptyMsg = "empty file: expected a mapping with the keys " +
		"name, account, primaryRegion, regions (required) and terminationProtection, network, services, cache, tags"

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(0, emptyMsg)
		} else {
			d.syntax(err)
		}
		return nil, d
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		d.errAt(second.Line, "a second YAML document starts here: a file holds exactly one environment")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.errAt(0, emptyMsg)
		return nil, d
	}
	fields := d.mapping("", root, rootKeys)
	if fields == nil {
		return nil, d
	}

	env := &Environment{
		File: file,
		Network: Network{
			NatGateways:          NatPerAZ,
			InterfaceEndpoints:   append([]string(nil), DefaultInterfaceEndpoints...),
			FlowLogRetentionDays: defaultFlowLogRetentionDays,
		},
		Cache: Cache{Port: defaultCachePort},
		Tags:  map[string]string{},
	}
	if n := fields["name"]; n != nil {
		env.Name, _ = d.str("name", n)
	}
	if n := fields["account"]; n != nil {
		env.Account, _ = d.str("account", n)
	}
	if n := fields["primaryRegion"]; n != nil {
		env.PrimaryRegion, _ = d.str("primaryRegion", n)
	}
	if n := fields["terminationProtection"]; n != nil {
		env.TerminationProtection, _ = d.boolean("terminationProtection", n)
	}
	if n := fields["regions"]; n != nil {
		for i, item := range d.seq("regions", n) {
			env.Regions = append(env.Regions, d.region(fmt.Sprintf("regions[%d]", i), item))
		}
	}
	if n := fields["network"]; n != nil {
		d.network("network", n, &env.Network)
	}
	if n := fields["services"]; n != nil {
		env.Services = []Service{}
		for i, item := range d.seq("services", n) {
			env.Services = append(env.Services, d.service(fmt.Sprintf("services[%d]", i), item))
		}
	}
	if n := fields["cache"]; n != nil {
		if f := d.mapping("cache", n, cacheKeys); f != nil && f["port"] != nil {
			if v, ok := d.integer("cache.port", f["port"]); ok {
				env.Cache.Port = v
			}
		}
	}
	if n := fields["tags"]; n != nil {
		d.tags("tags", n, env.Tags)
	}
	return env, d
}

// syntax reports a YAML parse error. yaml.v3's line numbers are approximate (parser errors
// are often one line early, and errors on line 1 carry none), so the line is given as "near"
// in the message rather than as the file:line position the other problems use.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		d.errAt(0, "YAML syntax error near line %s: %s", m[1], m[2])
		return
	}
	d.errAt(0, "YAML syntax error: %s", strings.TrimPrefix(msg, "yaml: "))
}

func (d *decoder) region(path string, n *yaml.Node) Region {
	var r Region
	f := d.mapping(path, n, regionKeys)
	if f == nil {
		return r
	}
	if v := f["name"]; v != nil {
		r.Name, _ = d.str(path+".name", v)
	}
	if v := f["cidr"]; v != nil {
		r.CIDR, _ = d.str(path+".cidr", v)
	}
	if v := f["availabilityZones"]; v != nil {
		for i, item := range d.seq(path+".availabilityZones", v) {
			r.AvailabilityZones = append(r.AvailabilityZones, d.az(fmt.Sprintf("%s.availabilityZones[%d]", path, i), item))
		}
	}
	return r
}

func (d *decoder) az(path string, n *yaml.Node) AvailabilityZone {
	var az AvailabilityZone
	f := d.mapping(path, n, azKeys)
	if f == nil {
		return az
	}
	dst := []*string{&az.Name, &az.PublicSubnet, &az.AppSubnet, &az.DataSubnet} // same order as azKeys
	for i, key := range azKeys {
		if v := f[key]; v != nil {
			*dst[i], _ = d.str(path+"."+key, v)
		}
	}
	return az
}

func (d *decoder) network(path string, n *yaml.Node, nw *Network) {
	f := d.mapping(path, n, networkKeys)
	if f == nil {
		return
	}
	if v := f["natGateways"]; v != nil {
		s, _ := d.str(path+".natGateways", v)
		nw.NatGateways = NatMode(s)
	}
	if v := f["interfaceEndpoints"]; v != nil {
		items := d.seq(path+".interfaceEndpoints", v)
		if !d.bad[path+".interfaceEndpoints"] {
			nw.InterfaceEndpoints = make([]string, 0, len(items)) // explicit [] means none
			for i, item := range items {
				s, _ := d.str(fmt.Sprintf("%s.interfaceEndpoints[%d]", path, i), item)
				nw.InterfaceEndpoints = append(nw.InterfaceEndpoints, s)
			}
		}
	}
	if v := f["flowLogRetentionDays"]; v != nil {
		if days, ok := d.integer(path+".flowLogRetentionDays", v); ok {
			nw.FlowLogRetentionDays = days
		}
	}
}

func (d *decoder) service(path string, n *yaml.Node) Service {
	s := Service{Port: defaultServicePort}
	f := d.mapping(path, n, serviceKeys)
	if f == nil {
		return s
	}
	if v := f["name"]; v != nil {
		s.Name, _ = d.str(path+".name", v)
	}
	if v := f["port"]; v != nil {
		if p, ok := d.integer(path+".port", v); ok {
			s.Port = p
		}
	}
	return s
}

// tags decodes a free-form string→string mapping. Tag keys are data, not schema, so their paths
// are written tags["key"] (a key may contain dots or colons).
func (d *decoder) tags(path string, n *yaml.Node, dst map[string]string) {
	for _, kv := range d.pairs(path, n, func(k string) string { return fmt.Sprintf("%s[%q]", path, k) }) {
		kp := fmt.Sprintf("%s[%q]", path, kv.key)
		if tag := kv.keyNode.ShortTag(); tag != "!!str" {
			d.errAt(kv.keyNode.Line, "%s: tag key must be a string, got %s (quote it: %q)", kp, describe(kv.keyNode), kv.key)
			d.bad[kp] = true
			continue
		}
		v, ok := d.str(kp, kv.value)
		if ok {
			dst[kv.key] = v
		}
	}
}

// pair is one key/value of a mapping node.
type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// pairs checks that n is a mapping with no key given twice and returns its entries in file order.
// child turns a key into its key path. It returns nil (after reporting) when n is not a mapping.
func (d *decoder) pairs(path string, n *yaml.Node, child func(string) string) []pair {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.wrongType(path, n, "a mapping", "")
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errAt(k.Line, "%s: keys must be plain strings, got %s", displayPath(path), describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errAt(k.Line, "%s: duplicate key (first given at line %d; each key may appear once)", child(k.Value), line)
			continue
		}
		first[k.Value] = k.Line
		out = append(out, pair{key: k.Value, keyNode: k, value: v})
	}
	return out
}

// mapping checks that n is a mapping using only the allowed keys, each at most once, records
// which keys are present and returns the value nodes by key. It returns nil (after reporting)
// when n is not a mapping.
func (d *decoder) mapping(path string, n *yaml.Node, allowed []string) map[string]*yaml.Node {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	n2 := deref(n)
	if n2.Kind != yaml.MappingNode {
		d.wrongType(path, n2, "a mapping", "")
		return nil
	}
	out := map[string]*yaml.Node{}
	for _, kv := range d.pairs(path, n2, join) {
		kp := join(kv.key)
		if !slices.Contains(allowed, kv.key) {
			d.errAt(kv.keyNode.Line, "%s: unknown key (allowed: %s)", kp, strings.Join(allowed, ", "))
			continue
		}
		d.present[kp] = true
		out[kv.key] = kv.value
	}
	return out
}

// seq returns the items of a sequence node, or nil (after reporting) when n is not a sequence.
func (d *decoder) seq(path string, n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.wrongType(path, n, "a sequence (a list of - items)", "")
		return nil
	}
	return n.Content
}

// str returns a string scalar. A number, boolean or date where a string belongs is an error
// (with a hint to quote it) rather than a silent conversion: an account id written unquoted
// would otherwise lose its leading zeros.
func (d *decoder) str(path string, n *yaml.Node) (string, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value, true
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		hint = fmt.Sprintf("quote it: %q", n.Value)
	}
	d.wrongType(path, n, "a string", hint)
	return "", false
}

// integer returns an integer scalar; a quoted number is a string, and so an error.
func (d *decoder) integer(path string, n *yaml.Node) (int, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var v int
		if err := n.Decode(&v); err == nil {
			return v, true
		}
		d.errAt(n.Line, "%s %s: integer out of range", displayPath(path), n.Value)
		d.bad[path] = true
		return 0, false
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if _, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil {
			hint = "remove the quotes"
		}
	}
	d.wrongType(path, n, "an integer", hint)
	return 0, false
}

// boolean returns a true/false scalar.
func (d *decoder) boolean(path string, n *yaml.Node) (bool, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var v bool
		if err := n.Decode(&v); err == nil {
			return v, true
		}
	}
	d.wrongType(path, n, "a boolean (true or false)", "")
	return false, false
}

// wrongType reports that the value at path is not of the expected kind and marks it bad.
func (d *decoder) wrongType(path string, n *yaml.Node, want, hint string) {
	if hint == "" && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		hint = "give a value or remove the key"
	}
	if hint != "" {
		hint = " (" + hint + ")"
	}
	d.errAt(n.Line, "%s: must be %s, got %s%s", displayPath(path), want, describe(n), hint)
	d.bad[path] = true
}

// displayPath names the document root, which has the empty key path.
func displayPath(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// describe says what a node is, in words an operator recognises.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("a string %q", n.Value)
		case "!!int":
			return "an integer " + n.Value
		case "!!float":
			return "a number " + n.Value
		case "!!bool":
			return "a boolean " + n.Value
		case "!!null":
			return "null"
		case "!!timestamp":
			return "a date " + n.Value
		default:
			return fmt.Sprintf("a value tagged %s", n.ShortTag())
		}
	}
	return "nothing"
}

// deref follows YAML aliases (*name) to the anchored node, so anchors work everywhere.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
