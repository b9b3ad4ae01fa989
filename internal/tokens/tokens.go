// Package tokens recognizes aws-cdk-lib's string tokens ("${Token[…]}") in Go, without a call into
// the jsii runtime: where a value may be a token whose text is known only at synthesis or deploy
// time, and a check or a rendering must leave it alone.
package tokens

import "regexp"

// Pattern is a string token as aws-cdk-lib encodes it in a string.
const Pattern = `\$\{Token\[[a-zA-Z0-9:._-]+\]\}`

var tokenRE = regexp.MustCompile(Pattern)

// In reports whether s holds a token.
func In(s string) bool { return tokenRE.MatchString(s) }

// Locate returns where s holds tokens: the start and end of each, in order.
func Locate(s string) [][]int { return tokenRE.FindAllStringIndex(s, -1) }
