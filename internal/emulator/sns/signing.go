package sns

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// signing holds the emulator's notification signing key and certificate.
// The key is made on first need (RSA key generation takes a while) and kept
// in the store, so signatures verify against the same certificate across
// restarts.
type signing struct {
	mu      sync.Mutex
	key     *rsa.PrivateKey
	certPEM []byte
	warm    sync.Once
}

// warmSigner readies a stored signing key in the background: decoding it
// and making its certificate cost a few milliseconds (one RSA signature
// among them) that the first Publish of every process — each
// `orders --local send` is one — would otherwise wait for. A data dir
// without a key yet generates it on its first Publish, as before: doing
// that here would spend a key generation on every emulator that never
// publishes.
func (s *Service) warmSigner() {
	if s.opts.SigningKey != nil {
		return
	}
	s.signing.warm.Do(func() {
		der, err := s.st.Get(bucketSigning, "key")
		if err != nil || der == nil {
			return
		}
		go func() { _, _, _ = s.signer() }() // an error here is met again, and reported, by Publish
	})
}

// signer returns the key and certificate, loading or creating them.
func (s *Service) signer() (*rsa.PrivateKey, []byte, error) {
	s.signing.mu.Lock()
	defer s.signing.mu.Unlock()
	if s.signing.key != nil {
		return s.signing.key, s.signing.certPEM, nil
	}
	key := s.opts.SigningKey
	if key == nil {
		der, err := s.st.Get(bucketSigning, "key")
		if err != nil {
			return nil, nil, fmt.Errorf("read signing key: %w", err)
		}
		if der != nil {
			parsed, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return nil, nil, fmt.Errorf("decode signing key: %w", err)
			}
			rk, ok := parsed.(*rsa.PrivateKey)
			if !ok {
				return nil, nil, fmt.Errorf("decode signing key: not an RSA key")
			}
			key = rk
		} else {
			if key, err = rsa.GenerateKey(rand.Reader, s.opts.SigningKeyBits); err != nil {
				return nil, nil, fmt.Errorf("generate signing key: %w", err)
			}
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return nil, nil, fmt.Errorf("encode signing key: %w", err)
			}
			if err := s.st.Write(store.Put(bucketSigning, "key", der)); err != nil {
				return nil, nil, fmt.Errorf("store signing key: %w", err)
			}
		}
	}
	certPEM, err := selfSignedCert(key)
	if err != nil {
		return nil, nil, err
	}
	s.signing.key, s.signing.certPEM = key, certPEM
	return key, certPEM, nil
}

// selfSignedCert wraps the key in a certificate named like AWS's, which is
// what notification verifiers download from SigningCertURL.
func selfSignedCert(key *rsa.PrivateKey) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"orders local emulator"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     []string{"sns.amazonaws.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create signing certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func (s *Service) serveCertificate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	_, certPEM, err := s.signer()
	if err != nil {
		s.log.Error("sns: signing certificate unavailable", "err", err)
		http.Error(w, "signing certificate unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-x509-ca-cert")
	_, _ = w.Write(certPEM)
}

// stringToSign is SNS's canonical text for a Notification: each signed
// field's name and value on their own lines, in this order, Subject only
// when there is one.
func stringToSign(n notification) string {
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	line("Message", n.Message)
	line("MessageId", n.MessageID)
	if n.HasSubject {
		line("Subject", n.Subject)
	}
	line("Timestamp", n.Timestamp)
	line("TopicArn", n.TopicARN)
	line("Type", "Notification")
	return b.String()
}

// sign signs a notification: SignatureVersion 1 is SHA1withRSA, 2 is
// SHA256withRSA.
func sign(key *rsa.PrivateKey, version, text string) (string, error) {
	var sig []byte
	var err error
	if version == "2" {
		sum := sha256.Sum256([]byte(text))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum([]byte(text))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return "", fmt.Errorf("sign notification: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// signatureCompleter names signEnvelope among the queues' body completers.
const signatureCompleter = "sns-signature"

// unsignedField is the Signature line of an envelope written without one;
// it cannot occur inside a string value, where quotes are escaped and
// newlines are \n.
const unsignedField = "\n  \"Signature\" : \"\","

// signEnvelope signs a notification envelope written without a signature
// (Publish leaves that to the first receive): the signature covers the
// envelope's own fields, exactly as if Publish had signed it — PKCS #1
// v1.5 signatures are deterministic — so SDKs that verify it accept it.
func (s *Service) signEnvelope(body string) (string, error) {
	if !strings.Contains(body, unsignedField) {
		return body, nil // already signed
	}
	var e struct {
		MessageId, TopicArn, Message, Timestamp, SignatureVersion string
		Subject                                                   *string
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return "", fmt.Errorf("sign notification: decode envelope: %w", err)
	}
	n := notification{MessageID: e.MessageId, TopicARN: e.TopicArn, Message: e.Message, Timestamp: e.Timestamp, HasSubject: e.Subject != nil}
	if e.Subject != nil {
		n.Subject = *e.Subject
	}
	key, _, err := s.signer()
	if err != nil {
		return "", err
	}
	sig, err := sign(key, e.SignatureVersion, stringToSign(n))
	if err != nil {
		return "", err
	}
	return strings.Replace(body, unsignedField, "\n  \"Signature\" : "+jsonString(sig)+",", 1), nil
}
