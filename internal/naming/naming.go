// Package naming holds the one rule Stratus uses to turn config names into construct ids.
package naming

import "strings"

// Pascal turns a dashed or dotted lowercase name into PascalCase: "order-api" -> "OrderApi",
// "ecr.api" -> "EcrApi", "prod" -> "Prod".
func Pascal(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
