package limits

import (
	"regexp"
	"strconv"
	"strings"
)

// Instance classes and node types are <prefix>.<family>.<size>: the family is letters, a
// generation digit and optional attribute letters (r6g, r6gd, x2iedn, t4g), the size one AWS
// names. The pattern is the shape every RDS and ElastiCache class has; what a given engine
// offers is narrowed by AuroraInstanceClassProblem and GlobalDatastoreNodeTypeProblem.
var (
	classSize       = `(micro|small|medium|large|[0-9]*xlarge|metal)`
	dbClassRE       = regexp.MustCompile(`^db\.([a-z]+[0-9]+[a-z-]*)\.` + classSize + `$`)
	cacheNodeTypeRE = regexp.MustCompile(`^cache\.([a-z]+[0-9]+[a-z-]*)\.` + classSize + `$`)
)

// InstanceClassRule and CacheNodeTypeRule describe the accepted shapes, for messages and docs.
const (
	InstanceClassRule = "db.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. db.r6g.large, db.t4g.medium)"
	CacheNodeTypeRule = "cache.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. cache.r7g.large, cache.t4g.micro)"
	// ServerlessInstanceClass is the class Aurora gives Serverless v2 instances.
	ServerlessInstanceClass = "db.serverless"
)

// ValidInstanceClass reports whether s has the shape of an RDS instance class.
func ValidInstanceClass(s string) bool { return sized(dbClassRE.FindStringSubmatch(s)) }

// ValidCacheNodeType reports whether s has the shape of an ElastiCache node type.
func ValidCacheNodeType(s string) bool { return sized(cacheNodeTypeRE.FindStringSubmatch(s)) }

// sized reports whether a class's match (prefix, family, size) names a size its family has:
// micro, small and medium exist in burstable (t) families only (no db.r7g.micro, no
// cache.m6g.medium).
func sized(m []string) bool {
	if m == nil {
		return false
	}
	small := m[2] == "micro" || m[2] == "small" || m[2] == "medium"
	return !small || strings.HasPrefix(m[1], "t")
}

// CacheNodeFamily returns the family of a node type ("r7g" of cache.r7g.large), or "".
func CacheNodeFamily(s string) string {
	if m := cacheNodeTypeRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// DataAPIClassProblem says why the RDS Data API cannot run on an Aurora instance class, or ""
// when it can: it does not run on burstable (t) classes. The database users of an Aurora cluster
// are created through it at deploy time.
func DataAPIClassProblem(class string) string {
	if m := dbClassRE.FindStringSubmatch(class); m != nil && strings.HasPrefix(m[1], "t") {
		return "the RDS Data API, which creates the services' database users at deploy time, does not run on burstable (db.t*) classes; use a memory-optimised class (e.g. db.r6g.large) or Serverless v2"
	}
	return ""
}

// AuroraUsersClassProblem says why class cannot run an Aurora PostgreSQL cluster that creates its
// users through the Data API (every cluster of a config: a database exists because a service
// owns it), or "" when it can: memory-optimised (r, x) classes only.
func AuroraUsersClassProblem(class string) string {
	if p := DataAPIClassProblem(class); p != "" {
		return p
	}
	m := dbClassRE.FindStringSubmatch(class)
	if m == nil {
		return "not an RDS instance class (allowed: " + InstanceClassRule + ")"
	}
	if family := m[1]; !strings.HasPrefix(family, "r") && !strings.HasPrefix(family, "x") {
		return "Aurora PostgreSQL offers no " + family + " classes for a cluster whose users the Data API creates (allowed families: r*, x*; e.g. db.r6g.large)"
	}
	return ""
}

// GlobalDatastoreNodeTypeProblem says why a (valid) node type cannot join a Global Datastore, or
// "" when it can. ElastiCache's Global Datastore prerequisites: size large and above (which the
// burstable t families never reach), and no previous-generation family ("not supported on
// instances older than m5 or r5": m1-m4, r3, r4, c1). Newer families than the page lists stay
// allowed: the list trails AWS's releases.
func GlobalDatastoreNodeTypeProblem(s string) string {
	m := familyGenerationRE.FindStringSubmatch(CacheNodeFamily(s))
	if m == nil {
		return "not an ElastiCache node type (allowed: " + CacheNodeTypeRule + ")"
	}
	switch generation, _ := strconv.Atoi(m[2]); {
	case m[1] == "t":
		return "burstable (t) node types cannot join a Global Datastore"
	case generation < 5:
		return "previous-generation node types (older than m5 and r5) cannot join a Global Datastore"
	}
	return ""
}

// familyGenerationRE splits a node family into its letters and generation ("r", "7" of r7g).
var familyGenerationRE = regexp.MustCompile(`^([a-z]+)([0-9]+)`)

// AuroraInstanceClassProblem says why a (well-formed) class is not one Aurora PostgreSQL
// offers, or "" when it is: Aurora runs memory-optimised (r, x) and burstable (t) classes only,
// and burstable ones only at medium and large.
func AuroraInstanceClassProblem(class string) string {
	m := dbClassRE.FindStringSubmatch(class)
	if m == nil {
		return "not an RDS instance class (allowed: " + InstanceClassRule + ")"
	}
	family, size := m[1], m[2]
	switch {
	case !strings.HasPrefix(family, "r") && !strings.HasPrefix(family, "x") && !strings.HasPrefix(family, "t"):
		return "Aurora PostgreSQL offers no " + family + " classes (allowed families: r*, x*, and t* at medium and large; e.g. db.r6g.large)"
	case strings.HasPrefix(family, "t") && size != "medium" && size != "large":
		return "Aurora PostgreSQL offers burstable classes only at medium and large (e.g. db." + family + ".medium)"
	}
	return ""
}
