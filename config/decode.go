package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// problem is one line of a Load error. It keeps the underlying error (if any) so callers can
// still use errors.Is, e.g. with fs.ErrNotExist.
type problem struct {
	file string
	line int    // 0 when the problem has no place in the file (a missing top-level key)
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

// decoder decodes one file into File with yaml.v3 (KnownFields) and keeps what messages need:
// the line of every key path the file gives, and the paths whose value was malformed.
//
// Before yaml.v3 fills the structs, check walks the node tree against the same struct types,
// so a malformed value is reported with its key path and line (yaml.v3's own errors carry a
// line only) and decoding carries on past it.
type decoder struct {
	file     string
	problems []error
	// lines maps each key path the file gives (e.g. "services[0].port") to its value's line.
	lines map[string]int
	// bad holds the key paths whose value was already reported as malformed, so validation does
	// not report a second, derived problem for them.
	bad map[string]bool
	// unquoted maps string keys written as a number, boolean or date to their "quote it"
	// problem's index: the problem is dropped when a value rule reports the key itself (so the
	// one message names the allowed values).
	unquoted map[string]int
}

// tokenMarkers open aws-cdk-lib's encoding of a deferred value inside a string ("${Token[…]}") or
// a list ("#{Token[…]}"): text holding one would be resolved as a reference to whatever value
// has that number, or fail synthesis naming no key.
var tokenMarkers = []string{"${Token[", "#{Token["}

// noTokenMarker refuses a string holding a token marker.
func (d *decoder) noTokenMarker(path string, n *yaml.Node) {
	for _, m := range tokenMarkers {
		if strings.Contains(n.Value, m) {
			d.errAt(n.Line, "%s: contains %q, which aws-cdk-lib would read as a reference to one of its own values (write the text without it)", displayPath(path), m)
			d.bad[path] = true
			return
		}
	}
}

// has reports whether the file gives the key path.
func (d *decoder) has(path string) bool {
	_, ok := d.lines[path]
	return ok
}

// errAt records a problem at a line (0: no line).
func (d *decoder) errAt(line int, format string, args ...any) {
	d.problems = append(d.problems, &problem{file: d.file, line: line, msg: fmt.Sprintf(format, args...)})
}

// err joins every recorded problem into one error, one per line, in the order of the file's lines
// (problems of the file as a whole first): the decoding and the validation find them in two
// passes, and the first line in the file is usually the cause of what follows it.
func (d *decoder) err() error {
	var out []error
	for _, p := range d.problems {
		if p != nil {
			out = append(out, p)
		}
	}
	line := func(err error) int {
		if p, ok := err.(*problem); ok {
			return p.line
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b error) int { return line(a) - line(b) })
	return errors.Join(out...)
}

// emptyMsg reports an empty environment file with every top-level key it may give: the required
// ones are File's fields tagged as the schema's (tools/configschema), and services, which the
// schema requires unless compute is ec2.
func emptyMsg() string {
	t := reflect.TypeFor[File]()
	var required, optional []string
	for i := range t.NumField() {
		switch f, k := t.Field(i), yamlKey(t.Field(i)); {
		case k == "":
		case f.Tag.Get("jsonschema") == "required" || k == "services":
			required = append(required, k)
		default:
			optional = append(optional, k)
		}
	}
	return "empty file: expected a mapping with the keys " + strings.Join(required, ", ") +
		" (required; services unless compute is ec2) and " + strings.Join(optional, ", ")
}

// decode parses data strictly into an Environment with defaults applied. It returns nil when the
// document as a whole is unusable; the decoder holds the problems either way.
func decode(file string, data []byte) (*Environment, *decoder) {
	d := &decoder{file: file, lines: map[string]int{}, bad: map[string]bool{}, unquoted: map[string]int{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, second yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(0, "%s", emptyMsg())
		} else {
			d.syntax(err, data)
		}
		return nil, d
	}
	if err := dec.Decode(&second); err == nil {
		d.errAt(second.Line, "a second YAML document starts here: a file holds exactly one environment")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err, data)
	}
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.errAt(0, "%s", emptyMsg())
		return nil, d
	}
	if root.Kind != yaml.MappingNode {
		d.wrongType("", root, "a mapping", "")
		return nil, d
	}
	d.check("", root, reflect.TypeFor[File]())
	delete(d.lines, "") // the document itself is no key

	// check has blanked the malformed values and dropped repeated keys and bad merges; decode
	// what is left, so that a bad entry of a list does not shift the entries after it (yaml.v3
	// drops a list entry it cannot decode).
	if len(d.problems) > 0 {
		if patched, err := yaml.Marshal(&doc); err == nil {
			data = patched
		}
	}
	f := defaultFile()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(f); err != nil && len(d.problems) == 0 {
		// check knows every rule yaml.v3 enforces; should they ever differ, say what yaml.v3 says.
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			te = &yaml.TypeError{Errors: []string{err.Error()}}
		}
		for _, e := range te.Errors {
			line, msg := yamlPosition(e)
			d.errAt(line, "%s", msg)
		}
	}
	return f.environment(file, d.has), d
}

// yamlLine finds the line in yaml.v3's "yaml: line N: msg" and "line N: msg" errors.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func yamlPosition(e string) (int, string) {
	if m := yamlLine.FindStringSubmatch(e); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 0, strings.TrimPrefix(e, "yaml: ")
}

// syntax reports a YAML parse error at the offending line. yaml.v3 names the line of the
// enclosing block for many errors (and none on line 1); the first line at which the file's
// prefix stops parsing is where the problem is, and it is never before yaml.v3's line.
func (d *decoder) syntax(err error, data []byte) {
	line, msg := yamlPosition(err.Error())
	lines := bytes.SplitAfter(data, []byte("\n"))
	for k := range lines {
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:k+1], nil), &n) != nil {
			line = max(line, k+1)
			break
		}
	}
	if strings.HasPrefix(msg, "did not find expected key") || strings.HasPrefix(msg, "mapping values are not allowed") {
		// Most often a key indented more or less than its siblings, or a list item where a key belongs.
		msg += " (check the indentation of this line and of the lines above it)"
	}
	d.errAt(line, "YAML syntax error: %s", msg)
}

// check walks node n at key path against type t, records the lines of the keys given and
// reports unknown or repeated keys and values of the wrong kind.
func (d *decoder) check(path string, n *yaml.Node, t reflect.Type) {
	n = deref(n)
	d.lines[path] = n.Line
	switch t.Kind() {
	case reflect.Pointer:
		d.check(path, n, t.Elem())
	case reflect.Struct:
		fields := map[string]reflect.Type{}
		var keys []string
		for i := range t.NumField() {
			if k := yamlKey(t.Field(i)); k != "" {
				fields[k] = t.Field(i).Type
				keys = append(keys, k)
			}
		}
		for _, kv := range d.pairs(path, n, func(k string) string { return join(path, k) }) {
			if ft, ok := fields[kv.key]; ok {
				d.check(join(path, kv.key), kv.value, ft)
				if v := deref(kv.value); v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode {
					d.lines[join(path, kv.key)] = kv.keyNode.Line // a block starts on the line after its key
				}
			} else {
				d.errAt(kv.keyNode.Line, "%s: unknown key (allowed: %s)", join(path, kv.key), strings.Join(keys, ", "))
			}
		}
	case reflect.Map:
		noun := map[string]string{"tags": "tag key"}[path]
		if noun == "" {
			noun = "variable name"
		}
		entry := func(k string) string { return fmt.Sprintf("%s[%q]", path, k) }
		for _, kv := range d.pairs(path, n, entry) {
			if kv.keyNode.ShortTag() != "!!str" {
				d.errAt(kv.keyNode.Line, "%s: %s must be a string, got %s (quote it: %q)", entry(kv.key), noun, describe(kv.keyNode), kv.key)
				d.bad[entry(kv.key)] = true
				drop(n, kv.keyNode)
				continue
			}
			d.check(entry(kv.key), kv.value, t.Elem())
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.wrongType(path, n, "a sequence (a list of - items)", "")
			*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line}
			return
		}
		for i, item := range n.Content {
			d.check(fmt.Sprintf("%s[%d]", path, i), item, t.Elem())
		}
	default:
		d.scalar(path, n, t.Kind())
	}
}

// yamlKey is a struct field's YAML key, or "" for a field that is not one.
func yamlKey(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if k == "-" {
		return ""
	}
	return k
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// scalar checks a scalar against the kind of Go value it decodes into. A number, boolean or date
// where a string belongs is an error (with a hint to quote it) rather than a silent conversion:
// an account id written unquoted would otherwise lose its leading zeros.
func (d *decoder) scalar(path string, n *yaml.Node, kind reflect.Kind) {
	tag, isScalar := n.ShortTag(), n.Kind == yaml.ScalarNode
	switch kind {
	case reflect.String:
		if isScalar && tag == "!!str" {
			d.noTokenMarker(path, n)
			return
		}
		if isScalar && tag != "!!null" {
			d.unquoted[path] = len(d.problems)
			d.wrongType(path, n, "a string", fmt.Sprintf("quote it: %q", n.Value))
			d.bad[path] = false // still validated as the text it is
			return
		}
		d.wrongType(path, n, "a string", "")
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: n.Line} // keeps a list's later entries in place
	case reflect.Int:
		// A whole number too large for an int reads as a float.
		if isScalar && (tag == "!!int" || tag == "!!float" && wholeNumber.MatchString(n.Value)) {
			if n.Decode(new(int)) != nil {
				d.errAt(n.Line, "%s %s: integer out of range%s", path, n.Value, inParens(allowedHint(path)))
				d.bad[path] = true
			}
			return
		}
		_, err := strconv.Atoi(strings.TrimSpace(n.Value))
		d.wrongType(path, n, "an integer", hints(quotedNumberHint(isScalar && tag == "!!str" && err == nil), allowedHint(path)))
	case reflect.Float64:
		var x float64
		if isScalar && (tag == "!!int" || tag == "!!float") {
			if n.Decode(&x) != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				d.errAt(n.Line, "%s %s: must be a finite number", path, n.Value)
				d.bad[path] = true
			}
			return
		}
		_, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		d.wrongType(path, n, "a number", hints(quotedNumberHint(isScalar && tag == "!!str" && err == nil), allowedHint(path)))
	case reflect.Bool:
		if !isScalar || tag != "!!bool" {
			d.wrongType(path, n, "a boolean (true or false)", "")
		}
	}
}

// wholeNumber is a YAML integer written in decimal, whatever its size.
var wholeNumber = regexp.MustCompile(`^[-+]?[0-9]+$`)

// listIndex is an index in a key path, which the allowed texts write as [].
var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

// allowedHint says what the key at path accepts, as docs/config.md does; "" for a key without
// such a text.
func allowedHint(path string) string {
	if text, ok := AllowedText(listIndex.ReplaceAllString(path, "[]")); ok {
		return "allowed: " + text
	}
	return ""
}

// hints joins the non-empty hints with "; ".
func hints(hs ...string) string {
	return strings.Join(slices.DeleteFunc(hs, func(h string) bool { return h == "" }), "; ")
}

// inParens is " (h)", or "" for an empty h.
func inParens(h string) string {
	if h == "" {
		return ""
	}
	return " (" + h + ")"
}

func quotedNumberHint(quoted bool) string {
	if quoted {
		return "remove the quotes"
	}
	return ""
}

// pair is one key/value of a mapping node.
type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// pairs checks that n is a mapping with no key given twice and returns its entries: the keys
// given in it, in file order, then those merged in with "<<: *anchor" that it does not give
// itself (as yaml.v3 merges them). child turns a key into its key path.
func (d *decoder) pairs(path string, n *yaml.Node, child func(string) string) []pair {
	if n.Kind != yaml.MappingNode {
		d.wrongType(path, n, "a mapping", "")
		*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line}
		return nil
	}
	var out, merged []pair
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		switch {
		case k.ShortTag() == "!!merge":
			m, ok := d.merge(path, v, child)
			merged = append(merged, m...)
			if !ok { // yaml.v3 gives up on the whole document for a bad merge
				drop(n, n.Content[i])
				i -= 2
			}
		case k.Kind != yaml.ScalarNode:
			d.errAt(k.Line, "%s: keys must be plain strings, got %s", displayPath(path), describe(k))
			drop(n, n.Content[i])
			i -= 2
		default:
			if line, dup := first[k.Value]; dup {
				d.errAt(k.Line, "%s: duplicate key (first given at line %d; each key may appear once)", child(k.Value), line)
				drop(n, n.Content[i]) // yaml.v3 would drop the whole mapping
				i -= 2
				continue
			}
			first[k.Value] = k.Line
			out = append(out, pair{key: k.Value, keyNode: k, value: v})
		}
	}
	for _, m := range merged {
		if _, given := first[m.key]; !given {
			first[m.key] = m.keyNode.Line
			out = append(out, m)
		}
	}
	return out
}

// drop removes the entry with key node k from mapping n.
func drop(n *yaml.Node, k *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i] == k {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

// merge returns the entries a "<<" key merges in: one mapping or a list of mappings.
func (d *decoder) merge(path string, v *yaml.Node, child func(string) string) ([]pair, bool) {
	v = deref(v)
	if v.Kind == yaml.SequenceNode {
		var out []pair
		for _, item := range v.Content {
			m, ok := d.merge(path, item, child)
			if !ok {
				return nil, false
			}
			out = append(out, m...)
		}
		return out, true
	}
	if v.Kind != yaml.MappingNode {
		d.errAt(v.Line, "%s: a merge key (<<) takes an alias of a mapping (e.g. <<: *base), got %s", displayPath(path), describe(v))
		return nil, false
	}
	return d.pairs(path, v, child), true
}

// wrongType reports that the value at path is not of the expected kind and marks it bad.
func (d *decoder) wrongType(path string, n *yaml.Node, want, hint string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		hint = hints("give a value or remove the key", hint)
	}
	d.errAt(n.Line, "%s: must be %s, got %s%s", displayPath(path), want, describe(n), inParens(hint))
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

// keyPath returns the key path a message starts with: everything up to the first space or colon
// outside a ["..."] map key.
func keyPath(msg string) string {
	for i := 0; i < len(msg); i++ {
		switch msg[i] {
		case '[':
			if strings.HasPrefix(msg[i:], `["`) {
				if q, err := strconv.QuotedPrefix(msg[i+1:]); err == nil {
					i += len(q)
				}
			}
		case ' ', ':':
			return msg[:i]
		}
	}
	return msg
}

// lineOf returns the line of the key path, or of its nearest ancestor the file gives (a missing
// key is reported where its mapping is), or 0.
func (d *decoder) lineOf(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return l
		}
		cut := max(strings.LastIndexByte(path, '.'), strings.LastIndexByte(path, '['))
		if strings.HasSuffix(path, `"]`) {
			cut = strings.LastIndex(path, `["`)
		}
		if cut < 0 {
			return 0
		}
		path = path[:cut]
	}
	return 0
}
