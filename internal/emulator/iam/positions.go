package iam

import (
	"bytes"
	"encoding/json"
	"strings"
)

// statementPosition finds where Statement[idx] of a policy document starts
// and ends, as 1-based line and column, for the simulator's
// MatchedStatements. ok is false when the document is not plain JSON (it
// may have been submitted URL-encoded) or has no such statement.
func statementPosition(doc string, idx int) (start, end positionXML, ok bool) {
	from, to, ok := statementSpan(doc, idx)
	if !ok {
		return start, end, false
	}
	return lineColumn(doc, from), lineColumn(doc, to), true
}

// statementSpan returns the byte offsets of the statement's opening brace
// and of the byte just after its closing brace.
func statementSpan(doc string, idx int) (from, to int, ok bool) {
	dec := json.NewDecoder(strings.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, false
		}
		if key != "Statement" {
			continue
		}
		valueEnd := int(dec.InputOffset())
		valueStart := valueEnd - len(raw)
		switch {
		case len(raw) > 0 && raw[0] == '{' && idx == 0:
			return valueStart, valueEnd, true
		case len(raw) > 0 && raw[0] == '[':
			return elementSpan(raw, idx, valueStart)
		}
		return 0, 0, false
	}
	return 0, 0, false
}

func elementSpan(list json.RawMessage, idx, base int) (from, to int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(list))
	if _, err := dec.Token(); err != nil {
		return 0, 0, false
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, false
		}
		if i == idx {
			end := int(dec.InputOffset())
			return base + end - len(raw), base + end, true
		}
	}
	return 0, 0, false
}

func lineColumn(doc string, off int) positionXML {
	line, col := 1, 1
	for i := 0; i < off && i < len(doc); i++ {
		if doc[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return positionXML{Line: line, Column: col}
}
