//go:build !unix

package store

// syncDir is a no-op where directories cannot be synced (Windows: NTFS
// journals the directory entry with the file's own flush).
func syncDir(string) error { return nil }
