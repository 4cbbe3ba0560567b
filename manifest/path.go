// Package manifest holds the model every stage shares: Kubernetes objects that
// keep their source positions, field paths into them, and locations in files.
package manifest

import (
	"strconv"
	"strings"
)

// Segment is one step of a Path: a mapping key, or a sequence index when
// IsIndex is set.
type Segment struct {
	Key     string
	Index   int
	IsIndex bool
}

// Path addresses a field inside an object, e.g.
// spec.template.spec.containers[1].securityContext.runAsNonRoot.
// Paths are built segment by segment and never split on ".", so keys such as
// app.kubernetes.io/name stay whole.
type Path []Segment

// ParsePath reads the String form of a path. Keys that contain dots or
// brackets are written as ["key"].
func ParsePath(s string) Path {
	var p Path
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
		case '[':
			// A quoted key ends at its closing quote, not at the first "]":
			// String quotes keys that contain brackets.
			if q, err := strconv.QuotedPrefix(s[i+1:]); err == nil && strings.HasPrefix(s[i+1+len(q):], "]") {
				uq, _ := strconv.Unquote(q)
				p = append(p, Segment{Key: uq})
				i += 1 + len(q) + 1
				continue
			}
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return append(p, Segment{Key: s[i:]})
			}
			inner := s[i+1 : i+end]
			if uq, err := strconv.Unquote(inner); err == nil {
				p = append(p, Segment{Key: uq})
			} else if n, err := strconv.Atoi(inner); err == nil {
				p = append(p, Segment{Index: n, IsIndex: true})
			} else {
				p = append(p, Segment{Key: inner})
			}
			i += end + 1
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			p = append(p, Segment{Key: s[i:j]})
			i = j
		}
	}
	return p
}

// Key returns a copy of p extended by mapping keys.
func (p Path) Key(keys ...string) Path {
	out := make(Path, len(p), len(p)+len(keys))
	copy(out, p)
	for _, k := range keys {
		out = append(out, Segment{Key: k})
	}
	return out
}

// Index returns a copy of p extended by a sequence index.
func (p Path) Index(i int) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, Segment{Index: i, IsIndex: true})
}

// String renders the path in the dotted form users read in findings.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if s.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
			continue
		}
		if s.Key == "" || strings.ContainsAny(s.Key, ".[]\" ") {
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.Key))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
	}
	return b.String()
}
