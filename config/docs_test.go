package config

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update rewrites the generated parts of docs/config.md (and, in tools/configschema, the
// schema): go test ./config -run Docs -update
var update = flag.Bool("update", false, "rewrite docs/config.md's allowed values from internal/limits")

const docsPath = "../docs/config.md"

// allowedMarker is a value list docs/config.md shows, generated from AllowedText.
var allowedMarker = regexp.MustCompile(`<!-- allowed:(\S+) -->(.*?)<!-- /allowed -->`)

func TestDocsShowTheAllowedValuesOfInternalLimits(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	require.NoError(t, err)
	doc := string(data)
	if *update {
		doc = allowedMarker.ReplaceAllStringFunc(doc, func(m string) string {
			key := allowedMarker.FindStringSubmatch(m)[1]
			text, ok := AllowedText(key)
			require.True(t, ok, "docs/config.md names %q, which has no allowed values", key)
			return "<!-- allowed:" + key + " -->" + text + "<!-- /allowed -->"
		})
		require.NoError(t, os.WriteFile(docsPath, []byte(doc), 0o644))
	}
	shown := map[string]bool{}
	for _, m := range allowedMarker.FindAllStringSubmatch(doc, -1) {
		shown[m[1]] = true
		want, ok := AllowedText(m[1])
		if assert.True(t, ok, "docs/config.md names %q, which has no allowed values", m[1]) {
			assert.Equal(t, want, m[2], "docs/config.md's allowed values of %s (go test ./config -run Docs -update rewrites them)", m[1])
		}
	}
	for key := range Allowed() {
		if !strings.HasSuffix(key, ".countries[]") { // the 249 country codes are described, not listed
			assert.True(t, shown[key], "docs/config.md shows the allowed values of %s", key)
		}
	}
}

func TestDocsLinkNothingOutsideTheRepository(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	require.NoError(t, err)
	for _, link := range regexp.MustCompile(`\]\(([^)]*)\)`).FindAllStringSubmatch(string(data), -1) {
		assert.NotRegexp(t, `^(https?:|//|/|\.\./\.\.)`, link[1], "docs/config.md links only into the repository")
	}
}

func TestAllowedRangesPrintNumbersInFull(t *testing.T) {
	for key := range Ranges() {
		text, ok := AllowedText(key)
		require.True(t, ok, key)
		assert.NotContains(t, text, "e+", "%s: %s (integers print as integers, not in exponent form)", key, text)
	}
	text, _ := AllowedText("waf.rateLimit")
	assert.Equal(t, "10–2000000000", text)
}
