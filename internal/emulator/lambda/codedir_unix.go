//go:build unix

package lambda

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// checkPrivateDir refuses a code directory another user could write to:
// whoever can write there can replace the code a function runs (and read
// the role credentials it is given).
func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check lambda code dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lambda code dir %s is not a directory (%v): use a private directory", dir, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("lambda code dir %s belongs to uid %d, not to this user (uid %d): use a directory of your own", dir, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("lambda code dir %s is writable by group or others (mode %v): chmod 700 it or use another directory", dir, fi.Mode().Perm())
	}
	return checkParentDir(filepath.Dir(dir))
}

// checkParentDir refuses a parent in which someone else could rename the
// code dir away and put their own in its place: one owned by another user
// (root aside), or writable by others without the sticky bit (as /tmp has).
func checkParentDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("check lambda code dir: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("lambda code dir's parent %s belongs to uid %d, not to this user (uid %d): use a directory of your own", dir, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("lambda code dir's parent %s is writable by group or others (mode %v): use a private directory", dir, fi.Mode().Perm())
	}
	return nil
}
