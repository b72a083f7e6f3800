package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"time"
)

// ZipTime is every entry's modification time. A fixed value (in UTC, so the
// MS-DOS time fields do not depend on the builder's time zone) makes the
// archive a pure function of its content. archive/zip writes it twice: in
// the MS-DOS date/time fields and in the extended-timestamp extra field.
var ZipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// EntryName is the single file Lambda's provided.al2023 runtime executes.
const EntryName = "bootstrap"

// zipBootstrap returns a zip holding one entry, EntryName, with exec
// (0755) Unix permissions, deflated, stamped ZipTime. Same input, same
// bytes: nothing from the environment (time, zone, user, umask) goes in.
func zipBootstrap(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	hdr := &zip.FileHeader{
		Name:     EntryName,
		Method:   zip.Deflate,
		Modified: ZipTime,
	}
	// SetMode marks the creator as Unix and stores the mode in the external
	// attributes, which is where Lambda reads the execute bit from.
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(binary); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
