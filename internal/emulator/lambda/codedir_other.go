//go:build !unix

package lambda

import (
	"fmt"
	"os"
)

// checkPrivateDir: outside Unix the directory's ACLs decide; only check
// that it is a directory.
func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check lambda code dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lambda code dir %s is not a directory (%v): use a private directory", dir, fi.Mode().Type())
	}
	return nil
}
