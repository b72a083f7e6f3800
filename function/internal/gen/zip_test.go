package main

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestZipIsDeterministic(t *testing.T) {
	content := make([]byte, 256<<10)
	rand.Read(content)
	copy(content, "\x7fELF") // compressible or not, the bytes must not vary

	a, err := zipBootstrap(content)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing from the environment may leak in: change the local zone and
	// let the clock move on, then zip again.
	saved := time.Local
	time.Local = time.FixedZone("Elsewhere", -7*3600)
	defer func() { time.Local = saved }()
	b, err := zipBootstrap(append([]byte(nil), content...))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two zips of the same content differ")
	}
	c, _ := zipBootstrap(append(content[:len(content):len(content)], 0))
	if bytes.Equal(a, c) {
		t.Fatal("zips of different content are equal")
	}
}

func TestZipEntry(t *testing.T) {
	content := []byte("#!/bin/sh\necho not really a Go binary\n")
	z, err := zipBootstrap(content)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("%d entries, want 1", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" {
		t.Errorf("entry %q", f.Name)
	}
	if f.Mode() != 0o755 {
		t.Errorf("mode %v, want -rwxr-xr-x", f.Mode())
	}
	if f.CreatorVersion>>8 != 3 { // 3 = Unix: the external attributes hold a Unix mode
		t.Errorf("creator %d, want Unix (3)", f.CreatorVersion>>8)
	}
	if f.ExternalAttrs>>16 != 0o100755 {
		t.Errorf("external attrs %o, want regular file 0755", f.ExternalAttrs>>16)
	}
	if f.Method != zip.Deflate {
		t.Errorf("method %d, want Deflate", f.Method)
	}
	if !f.Modified.Equal(ZipTime) {
		t.Errorf("modified %v, want %v", f.Modified, ZipTime)
	}
	// The MS-DOS fields say the same instant as the extended timestamp.
	if d := msdosTime(f.ModifiedDate, f.ModifiedTime); !d.Equal(ZipTime) {
		t.Errorf("MS-DOS time %v, want %v", d, ZipTime)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, content) {
		t.Error("content does not round-trip")
	}
}

func msdosTime(date, tm uint16) time.Time {
	return time.Date(int(date>>9)+1980, time.Month(date>>5&0xf), int(date&0x1f),
		int(tm>>11), int(tm>>5&0x3f), int(tm&0x1f)*2, 0, time.UTC)
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"a.zip": []byte("A"), "SHA256SUMS": []byte("x")}
	if err := compare(dir, files); err == nil {
		t.Fatal("missing files compare equal")
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err := compare(dir, files); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.zip"), []byte("B"), 0o644)
	if err := compare(dir, files); err == nil {
		t.Fatal("changed file compares equal")
	}
}

func TestWriteAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.zip")
	for _, s := range []string{"first", "second"} {
		if err := writeAtomic(p, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Fatalf("got %q", b)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("leftover temp files: %v", entries)
	}
}
