package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Lambda's limits on a deployment package.
const (
	maxZipSize      = 50 << 20  // direct upload
	maxUnzippedSize = 262144000 // 250 MB unzipped
)

// codeSha256 is Lambda's CodeSha256: base64 (std) of the SHA-256 of the zip.
func codeSha256(zipBytes []byte) string {
	sum := sha256.Sum256(zipBytes)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// checkZip validates an uploaded package the way Lambda does at upload
// time. A missing bootstrap is not an error here: Lambda reports it at
// invoke time (Runtime.InvalidEntrypoint).
func checkZip(b []byte) error {
	if len(b) == 0 {
		return invalidParam("Please provide a source for function code.")
	}
	if len(b) > maxZipSize {
		return service413("Request must be smaller than %d bytes for the function code.", maxZipSize)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return invalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzippedSize {
		return invalidParam("Unzipped size must be smaller than %d bytes", maxUnzippedSize)
	}
	return nil
}

// codeCache unpacks each code version once per Service, into
// CodeDir/<hex sha256>, and remembers what it found there. CodeDir is
// private to this user (checkPrivateDir) and to this process (the data
// dir's lock, or a fresh temporary directory); even so a tree left there by
// an earlier run is never trusted: the zip is unpacked afresh into a new
// temporary directory and renamed over it, so what runs is what the zip
// holds, complete.
type codeCache struct {
	dir     string
	mu      sync.Mutex
	entries map[string]*codeEntry
}

type codeEntry struct {
	once sync.Once
	dir  string
	err  error

	mu     sync.Mutex
	checks map[string]checked // entry point checks by runtime|handler|arch
}

type checked struct {
	path string
	ferr *funcError
}

func newCodeCache(dir string) *codeCache {
	return &codeCache{dir: dir, entries: map[string]*codeEntry{}}
}

func (c *codeCache) entry(sha string) *codeEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[sha]
	if e == nil {
		e = &codeEntry{checks: map[string]checked{}}
		c.entries[sha] = e
	}
	return e
}

// ensure returns the unpacked directory of sha, unpacking the zip that
// load returns the first time.
func (c *codeCache) ensure(sha string, load func() ([]byte, error)) (*codeEntry, error) {
	e := c.entry(sha)
	e.once.Do(func() { e.dir, e.err = c.unpack(sha, load) })
	return e, e.err
}

// forget drops a failed unpack so the next invoke tries again.
func (c *codeCache) forget(sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[sha]; e != nil && e.err != nil {
		delete(c.entries, sha)
	}
}

func shaDirName(sha string) string {
	raw, err := base64.StdEncoding.DecodeString(sha)
	if err != nil {
		raw = []byte(sha)
	}
	return hex.EncodeToString(raw)
}

func (c *codeCache) unpack(sha string, load func() ([]byte, error)) (string, error) {
	final := filepath.Join(c.dir, shaDirName(sha))
	b, err := load()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(c.dir, ".unpack-")
	if err != nil {
		return "", fmt.Errorf("unpack code %s: %w", sha, err)
	}
	if err := extract(b, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", sha, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", sha, err)
	}
	// A tree at final is from an earlier run (this Service unpacks each
	// code version once): replace it, whatever it holds.
	if err := os.RemoveAll(final); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: remove stale copy: %w", sha, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", sha, err)
	}
	return final, nil
}

// openCodeDir returns the directory code is unpacked into: dir, created
// 0700 if missing and refused if others may write to it, or — when dir is
// "" — a new private temporary directory (own: the caller removes it).
// Temporary unpacks a crash left in dir are removed.
func openCodeDir(dir string) (path string, own bool, err error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "orders-lambda-code-")
		if err != nil {
			return "", false, fmt.Errorf("create lambda code dir: %w", err)
		}
		if err := checkPrivateDir(d); err != nil {
			_ = os.RemoveAll(d)
			return "", false, err
		}
		return d, true, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("create lambda code dir %s: %w", dir, err)
	}
	if err := checkPrivateDir(dir); err != nil {
		return "", false, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", false, fmt.Errorf("read lambda code dir %s: %w", dir, err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".unpack-") {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return dir, false, nil
}

// extract writes the zip's files under dir, refusing entries that would
// land outside it. Files keep their exec bits and lose their write bits:
// the task root is read-only on Lambda.
func extract(b []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	var written int64
	for _, f := range zr.File {
		name := filepath.FromSlash(strings.TrimLeft(f.Name, "/"))
		target := filepath.Join(dir, name)
		if target != dir && !strings.HasPrefix(target, dir+string(os.PathSeparator)) {
			return fmt.Errorf("zip entry %q escapes the package", f.Name)
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case mode&os.ModeSymlink != 0:
			if err := extractSymlink(f, dir, target); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		n, err := extractFile(f, target, (mode.Perm()|0o444)&^0o222, maxUnzippedSize-written)
		if err != nil {
			return err
		}
		written += n
	}
	return nil
}

func extractFile(f *zip.File, target string, perm os.FileMode, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm|0o200)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > limit {
		return n, errors.New("unzipped code is larger than Lambda allows")
	}
	return n, os.Chmod(target, perm)
}

func extractSymlink(f *zip.File, dir, target string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	dest, err := io.ReadAll(io.LimitReader(rc, 4096))
	rc.Close()
	if err != nil {
		return err
	}
	link := string(dest)
	resolved := link
	if !filepath.IsAbs(link) {
		resolved = filepath.Join(filepath.Dir(target), link)
	}
	if !strings.HasPrefix(filepath.Clean(resolved), dir+string(os.PathSeparator)) {
		return fmt.Errorf("zip entry %q links outside the package", f.Name)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return os.Symlink(link, target)
}
