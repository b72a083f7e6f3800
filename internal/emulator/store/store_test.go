package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestWriteReadReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(Put("a", "k1", []byte("v1")), Put("a", "k2", []byte("v2")), Put("b", "x", []byte("y"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(Del("a", "k1"), DropBucket("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[string]string{}
	if err := s.ForEach("a", func(k, v []byte) error { got[string(k)] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["k2"] != "v2" {
		t.Fatalf("bucket a after reopen = %v, want only k2=v2", got)
	}
	if names, _ := s.Buckets("b"); len(names) != 0 {
		t.Fatalf("dropped bucket still listed: %v", names)
	}
}

func TestSecondOpenIsInUse(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: err = %v, want ErrInUse", err)
	}
}

func TestConcurrentWritersAllDurable(t *testing.T) {
	s, err := Open(t.TempDir(), Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := s.Write(Put("q", fmt.Sprintf("%02d-%03d", g, i), []byte("m"))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	_ = s.ForEach("q", func(_, _ []byte) error { n++; return nil })
	if n != 16*50 {
		t.Fatalf("stored %d, want %d", n, 16*50)
	}
}

func TestWriteAfterClose(t *testing.T) {
	s, err := Open(t.TempDir(), Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := s.Write(Put("a", "b", nil)); err == nil {
		t.Fatal("write after close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func BenchmarkWriteParallel(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(16)
	var n int64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			n++
			k := fmt.Sprint(n)
			mu.Unlock()
			if err := s.Write(Put("bench", k, []byte("0123456789abcdef"))); err != nil {
				b.Error(err)
			}
		}
	})
}
