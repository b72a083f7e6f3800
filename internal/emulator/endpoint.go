package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// EndpointFile is written into the data dir by a serving emulator so that
// other processes on the same data dir (`orders --local ...` while
// `orders local serve` runs) talk to it instead of failing on the lock.
const EndpointFile = "endpoint.json"

// Endpoint says where a running emulator answers.
type Endpoint struct {
	URL     string    `json:"url"`
	PID     int       `json:"pid"`
	Account string    `json:"account"`
	Started time.Time `json:"started"`
	// Instance, DataDir and Region identify the server (see Check): a
	// later process on the same port has another instance id.
	Instance string `json:"instance,omitempty"`
	DataDir  string `json:"dataDir,omitempty"`
	Region   string `json:"region,omitempty"`
	// Auth is the server's auth mode (AuthOpen or AuthStrict), so clients
	// on the same data dir know to sign with its root key.
	Auth string `json:"auth,omitempty"`
}

// WriteEndpoint records ep in dataDir atomically (write, then rename).
func WriteEndpoint(dataDir string, ep Endpoint) error {
	b, err := json.MarshalIndent(ep, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dataDir, EndpointFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write endpoint file: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dataDir, EndpointFile))
}

// RemoveEndpoint deletes the endpoint file if it still names this process.
func RemoveEndpoint(dataDir string) {
	ep, err := ReadEndpoint(dataDir)
	if err == nil && ep.PID == os.Getpid() {
		_ = os.Remove(filepath.Join(dataDir, EndpointFile))
	}
}

// RemoveEndpointOf deletes the endpoint file if it still describes the
// emulator instance: in one process (tests, or a --local command that took
// over from another) the PID alone does not say whose file it is.
func RemoveEndpointOf(dataDir, instance string) {
	ep, err := ReadEndpoint(dataDir)
	if err == nil && ep.PID == os.Getpid() && ep.Instance == instance {
		_ = os.Remove(filepath.Join(dataDir, EndpointFile))
	}
}

// ReadEndpoint reads the endpoint file of dataDir.
func ReadEndpoint(dataDir string) (Endpoint, error) {
	var ep Endpoint
	b, err := os.ReadFile(filepath.Join(dataDir, EndpointFile))
	if err != nil {
		return ep, err
	}
	if err := json.Unmarshal(b, &ep); err != nil {
		return ep, fmt.Errorf("parse %s: %w", EndpointFile, err)
	}
	if ep.URL == "" {
		return ep, errors.New("endpoint file names no URL")
	}
	return ep, nil
}

// Reachable reports whether something accepts connections at ep's address.
func (ep Endpoint) Reachable() bool {
	host := ep.URL
	for _, p := range []string{"http://", "https://"} {
		if len(host) > len(p) && host[:len(p)] == p {
			host = host[len(p):]
		}
	}
	c, err := net.DialTimeout("tcp", host, 500*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
