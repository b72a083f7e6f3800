package function

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

const maxZipBytes = 6 << 20 // a small deployment package: fast to upload and to cold-start

var wantMachine = map[string]elf.Machine{ArchARM64: elf.EM_AARCH64, ArchX86_64: elf.EM_X86_64}

// Each embedded zip is what Lambda needs: one executable entry "bootstrap",
// a static Linux binary for its architecture, within the size budget.
func TestEmbeddedZips(t *testing.T) {
	for _, arch := range []string{ArchARM64, ArchX86_64} {
		t.Run(arch, func(t *testing.T) {
			z, err := Zip(arch)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("bootstrap-%s.zip: %d bytes", arch, len(z))
			if len(z) > maxZipBytes {
				t.Errorf("%d bytes, over the %d budget", len(z), maxZipBytes)
			}
			zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				t.Fatal(err)
			}
			if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
				names := []string{}
				for _, f := range zr.File {
					names = append(names, f.Name)
				}
				t.Fatalf("entries %v, want exactly [bootstrap]", names)
			}
			f := zr.File[0]
			if f.Mode() != 0o755 || f.CreatorVersion>>8 != 3 {
				t.Errorf("mode %v creator %d, want 0755 from a Unix creator", f.Mode(), f.CreatorVersion>>8)
			}
			if f.Method != zip.Deflate {
				t.Errorf("method %d", f.Method)
			}
			if !f.Modified.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("modified %v, want the fixed 2020-01-01T00:00:00Z", f.Modified)
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			bin, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			ef, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("bootstrap is not ELF: %v", err)
			}
			if ef.Machine != wantMachine[arch] || ef.OSABI != elf.ELFOSABI_NONE && ef.OSABI != elf.ELFOSABI_LINUX {
				t.Errorf("ELF machine %v OSABI %v", ef.Machine, ef.OSABI)
			}
			for _, p := range ef.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("dynamically linked (CGO_ENABLED=0 expected)")
				}
			}
			// Function names survive -s -w in the pclntab: the binary
			// must carry neither the embedding package nor internal/, nor
			// service clients other than DynamoDB and SNS.
			for _, bad := range []string{
				"github.com/orders-dev/orders/function.",
				"github.com/orders-dev/orders/internal/",
				"aws-sdk-go-v2/service/sqs.",
				"aws-sdk-go-v2/service/iam.",
				"aws-sdk-go-v2/service/lambda.",
				"aws-sdk-go-v2/service/cloudwatchlogs.",
			} {
				if bytes.Contains(bin, []byte(bad)) {
					t.Errorf("binary contains %s", bad)
				}
			}
			for _, good := range []string{"github.com/orders-dev/orders/function/handler.", "aws-sdk-go-v2/service/dynamodb.", "aws-sdk-go-v2/service/sns."} {
				if !bytes.Contains(bin, []byte(good)) {
					t.Errorf("binary lacks %s", good)
				}
			}
		})
	}
}

// CodeSha256 is base64(SHA-256(zip)), and dist/SHA256SUMS has the same
// digests in hex.
func TestCodeSha256(t *testing.T) {
	sums := readSums(t)
	for _, arch := range []string{ArchARM64, ArchX86_64} {
		z, _ := Zip(arch)
		sum := sha256.Sum256(z)
		got, err := CodeSha256(arch)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.StdEncoding.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: CodeSha256 %s, want %s", arch, got, want)
		}
		if len(got) != 44 {
			t.Errorf("%s: %q is not a base64 SHA-256", arch, got)
		}
		if h := sums["bootstrap-"+arch+".zip"]; h != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: SHA256SUMS says %s, zip is %x", arch, h, sum)
		}
	}
	if len(sums) != 2 {
		t.Errorf("SHA256SUMS has %d entries", len(sums))
	}
	a, _ := CodeSha256(ArchARM64)
	x, _ := CodeSha256(ArchX86_64)
	if a == x {
		t.Error("both architectures have the same code")
	}
}

func readSums(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("dist/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		hexsum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad SHA256SUMS line %q", sc.Text())
		}
		sums[name] = hexsum
	}
	return sums
}

func TestZipUnknownArch(t *testing.T) {
	for _, arch := range []string{"", "amd64", "x86-64", "ARM64", "mips"} {
		if _, err := Zip(arch); err == nil || !strings.Contains(err.Error(), `"arm64" or "x86_64"`) {
			t.Errorf("Zip(%q): %v", arch, err)
		}
		if _, err := CodeSha256(arch); err == nil {
			t.Errorf("CodeSha256(%q): no error", arch)
		}
	}
}

// Zip hands out a copy: a caller scribbling on it cannot change the next.
func TestZipReturnsACopy(t *testing.T) {
	a, _ := Zip(ArchARM64)
	before, _ := CodeSha256(ArchARM64)
	for i := range a {
		a[i] = 0
	}
	if after, _ := CodeSha256(ArchARM64); after != before {
		t.Fatal("the embedded zip changed")
	}
}

func TestHostArch(t *testing.T) {
	for goarch, want := range map[string]string{"amd64": "x86_64", "arm64": "arm64", "386": "386", "riscv64": "riscv64"} {
		if got := lambdaArch(goarch); got != want {
			t.Errorf("lambdaArch(%s) = %s, want %s", goarch, got, want)
		}
	}
	if h := HostArch(); h != ArchX86_64 && h != ArchARM64 {
		t.Logf("host arch %s has no Lambda zip", h)
	}
}
