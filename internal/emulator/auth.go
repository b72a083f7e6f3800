package emulator

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// The auth modes (Options.Auth).
const (
	// AuthOpen serves any well-formed SigV4 signature: keys the emulator
	// did not issue act as the account's administrator.
	AuthOpen = string(dispatch.AuthOpen)
	// AuthStrict accepts only the root key (RootKeyFile) and the keys the
	// emulator issued (role sessions, IAM users' access keys).
	AuthStrict = string(dispatch.AuthStrict)
)

// RootKeyFile holds a data dir's root key (0600, beside the store): the
// account administrator's access key, the one key besides issued ones that
// a strict emulator accepts.
const RootKeyFile = "root-key.json"

// RootKey is an access key pair.
type RootKey = dispatch.Key

// ReadRootKey reads dataDir's root key; fs.ErrNotExist when it has none.
func ReadRootKey(dataDir string) (RootKey, error) {
	var k RootKey
	b, err := os.ReadFile(filepath.Join(dataDir, RootKeyFile))
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal(b, &k); err != nil || k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return RootKey{}, fmt.Errorf("%s: not a root key file (delete it to have a new key generated)", filepath.Join(dataDir, RootKeyFile))
	}
	return k, nil
}

// rootKey returns the data dir's root key, generating and saving it on
// first use; an in-memory emulator gets a new one per run.
func rootKey(dataDir string, inMemory bool) (RootKey, error) {
	if inMemory {
		return newRootKey(), nil
	}
	k, err := ReadRootKey(dataDir)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k = newRootKey()
	b, _ := json.MarshalIndent(k, "", "  ")
	path := filepath.Join(dataDir, RootKeyFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return k, fmt.Errorf("save root key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return k, fmt.Errorf("save root key: %w", err)
	}
	return k, nil
}

// newRootKey makes a key shaped like AWS's: AKIA + 16 base32 characters,
// a 40-character secret.
func newRootKey() RootKey {
	id := make([]byte, 10)
	secret := make([]byte, 30)
	_, _ = rand.Read(id) // crypto/rand.Read never fails (Go 1.24+)
	_, _ = rand.Read(secret)
	return RootKey{
		AccessKeyID:     "AKIA" + strings.ToUpper(base32.StdEncoding.EncodeToString(id)),
		SecretAccessKey: base64.StdEncoding.EncodeToString(secret),
	}
}
