package handler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFolderHoldsOnlyTheHandlerAndFollowsItsContent(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a, err := Folder("stratus-test", "index.py", []byte("print(1)\n"))
	require.NoError(t, err)
	again, err := Folder("stratus-test", "index.py", []byte("print(1)\n"))
	require.NoError(t, err)
	other, err := Folder("stratus-test", "index.py", []byte("print(2)\n"))
	require.NoError(t, err)
	assert.Equal(t, a, again, "the same code, the same folder")
	assert.NotEqual(t, a, other, "other code, another folder")
	entries, err := os.ReadDir(a)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	data, err := os.ReadFile(filepath.Join(a, "index.py"))
	require.NoError(t, err)
	assert.Equal(t, "print(1)\n", string(data))
}
