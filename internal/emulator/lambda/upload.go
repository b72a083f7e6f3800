package lambda

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// readUpload decodes a CreateFunction or UpdateFunctionCode body into v as
// readJSON does, except for the member at zipPath (Code.ZipFile, or
// ZipFile): its base64 is decoded as it is read, straight into the one
// buffer returned (nil when the member is absent or not a plain string).
// The body is never held whole, nor its base64 beside the decoded bytes:
// an upload costs its zip's size in memory, once, and one over Lambda's
// limit is refused as soon as the limit is passed.
//
// Everything else goes through encoding/json, which also judges whether
// the body is valid JSON: the scanner here only has to find the member,
// and leaves in its place a null the caller fills with the returned zip.
func readUpload(r *http.Request, v any, zipPath ...string) ([]byte, error) {
	x := newUploadScanner(r, maxZipSize, zipPath...)
	if err := x.scan(); err != nil {
		return nil, err
	}
	if err := protocol.DecodeJSON(x.rest.Bytes(), v); err != nil {
		return nil, err
	}
	return x.zip, nil
}

// bodyError is what a failure to read the request body answers.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return service413("Request must be smaller than %d bytes for the function code.", tooBig.Limit)
	}
	return service.Errorf(400, "InvalidRequestContentException", "reading request body: %v", err)
}

func newUploadScanner(r *http.Request, limit int64, zipPath ...string) *uploadScanner {
	return &uploadScanner{br: bufio.NewReaderSize(r.Body, 64<<10), target: zipPath, limit: limit, hint: r.ContentLength}
}

// uploadScanner copies a JSON body to rest, taking out the string value at
// target. It tracks only what finding that member needs: the open objects
// and arrays and the key each object is at.
type uploadScanner struct {
	br     *bufio.Reader
	target []string
	limit  int64 // the zip's largest size
	hint   int64 // Content-Length, or -1
	rest   bytes.Buffer
	zip    []byte
	stack  []scanFrame
}

type scanFrame struct {
	object    bool
	expectKey bool   // the next string in this object is a key
	key       string // the member being read ("" when too long to be ours)
}

func (x *uploadScanner) scan() error {
	for {
		c, err := x.br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
		top := len(x.stack) - 1
		switch c {
		case '{', '[':
			x.stack = append(x.stack, scanFrame{object: c == '{', expectKey: c == '{'})
		case '}', ']':
			if top >= 0 {
				x.stack = x.stack[:top]
			}
		case ':':
			if top >= 0 && x.stack[top].object {
				x.stack[top].expectKey = false
			}
		case ',':
			if top >= 0 && x.stack[top].object {
				x.stack[top].expectKey, x.stack[top].key = true, ""
			}
		case '"':
			switch {
			case top >= 0 && x.stack[top].object && x.stack[top].expectKey:
				x.rest.WriteByte(c)
				key, err := x.copyString(true)
				if err != nil {
					return err
				}
				x.stack[top].key = key
				continue
			case x.atTarget():
				if err := x.decodeZip(); err != nil {
					return err
				}
				x.rest.WriteString("null")
				continue
			default:
				x.rest.WriteByte(c)
				if _, err := x.copyString(false); err != nil {
					return err
				}
				continue
			}
		}
		x.rest.WriteByte(c)
	}
}

// atTarget reports whether the value about to be read is at target.
func (x *uploadScanner) atTarget() bool {
	if len(x.target) == 0 || len(x.stack) != len(x.target) {
		return false
	}
	for i, f := range x.stack {
		if !f.object || f.expectKey || f.key != x.target[i] {
			return false
		}
	}
	return true
}

// copyString copies the rest of a string (its opening quote read) to
// rest, closing quote included; with wantKey it also returns the string's
// raw text when it is short enough to be a member name.
func (x *uploadScanner) copyString(wantKey bool) (string, error) {
	start := x.rest.Len()
	for {
		chunk, err := x.peek()
		if err != nil {
			return "", err
		}
		i := bytes.IndexAny(chunk, `"\`)
		if i < 0 {
			x.rest.Write(chunk)
			_, _ = x.br.Discard(len(chunk))
			continue
		}
		x.rest.Write(chunk[:i+1])
		_, _ = x.br.Discard(i + 1)
		if chunk[i] == '"' {
			break
		}
		c, err := x.br.ReadByte() // the escaped character
		if err != nil {
			return "", unexpectedEnd(err)
		}
		x.rest.WriteByte(c)
	}
	if !wantKey || x.rest.Len()-start > 65 {
		return "", nil
	}
	raw := x.rest.Bytes()[start : x.rest.Len()-1]
	return string(raw), nil
}

// peek returns the buffered bytes, reading more when there are none.
func (x *uploadScanner) peek() ([]byte, error) {
	if x.br.Buffered() == 0 {
		if _, err := x.br.Peek(1); err != nil {
			return nil, unexpectedEnd(err)
		}
	}
	b, _ := x.br.Peek(x.br.Buffered())
	return b, nil
}

func unexpectedEnd(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return service.Errorf(400, "SerializationException", "could not parse request body: unexpected end of JSON input")
	}
	return bodyError(err)
}

// decodeZip decodes the base64 string being read (its opening quote read)
// into x.zip, sized from Content-Length so it is allocated once.
func (x *uploadScanner) decodeZip() error {
	size := int64(64 << 10)
	if x.hint > 0 {
		size = x.hint/4*3 + 3
	}
	size = min(size, x.limit+1)
	buf := make([]byte, 0, size)
	src := &jsonStringReader{x: x}
	dec := base64.NewDecoder(base64.StdEncoding, src)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow (no Content-Length)
		}
		n, err := dec.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > x.limit {
			return service413("Request must be smaller than %d bytes for the function code.", x.limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if src.err != nil {
				return src.err
			}
			return service.Errorf(400, "SerializationException", "could not parse request body: ZipFile: %v", err)
		}
	}
	x.zip = buf
	return nil
}

// jsonStringReader reads a JSON string's content, unescaped, up to its
// closing quote.
type jsonStringReader struct {
	x    *uploadScanner
	done bool
	err  error // a failure of the body or of the JSON, as the answer
}

func (s *jsonStringReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !s.done {
		chunk, err := s.x.peek()
		if err != nil {
			s.err = err
			return n, err
		}
		if len(chunk) > len(p)-n {
			chunk = chunk[:len(p)-n]
		}
		i := bytes.IndexAny(chunk, `"\`)
		if i < 0 {
			n += copy(p[n:], chunk)
			_, _ = s.x.br.Discard(len(chunk))
			continue
		}
		n += copy(p[n:], chunk[:i])
		_, _ = s.x.br.Discard(i + 1)
		if chunk[i] == '"' {
			s.done = true
			break
		}
		c, err := s.unescape()
		if err != nil {
			s.err = err
			return n, err
		}
		p[n] = c
		n++
	}
	if n == 0 && s.done {
		return 0, io.EOF
	}
	return n, nil
}

// unescape reads an escape sequence (after its backslash). Only ASCII can
// be base64, so \u escapes of anything else are refused here.
func (s *jsonStringReader) unescape() (byte, error) {
	c, err := s.x.br.ReadByte()
	if err != nil {
		return 0, unexpectedEnd(err)
	}
	switch c {
	case '"', '\\', '/':
		return c, nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		var hex [4]byte
		if _, err := io.ReadFull(s.x.br, hex[:]); err != nil {
			return 0, unexpectedEnd(err)
		}
		if v, err := strconv.ParseUint(string(hex[:]), 16, 16); err == nil && v < 0x80 {
			return byte(v), nil
		}
	}
	return 0, service.Errorf(400, "SerializationException", "could not parse request body: ZipFile: %s", fmt.Sprintf("invalid escape in base64 string: \\%c", c))
}
