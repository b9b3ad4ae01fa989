// Package handler writes a Lambda handler embedded in the binary into a folder an asset can be
// made from: only the handler file, never the tests beside it in the source tree, and a folder
// named by the code's hash so an unchanged handler keeps its asset hash.
package handler

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// Folder writes code as <temp>/<prefix>-<hash>/<file> and returns the folder.
func Folder(prefix, file string, code []byte) (string, error) {
	sum := sha256.Sum256(code)
	dir := filepath.Join(os.TempDir(), prefix+"-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, file), code, 0o644)
}
