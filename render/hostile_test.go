//go:build unix

// Hostile inputs need FIFOs and unix symlink semantics, so this file is
// unix-only; every input is generated here in a temp dir, never committed.

package render_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kready/kready/lint"
	"github.com/kready/kready/render"
	"github.com/kready/kready/rules"
)

// bounded runs f and fails the test if it panics or takes longer than limit.
func bounded(t *testing.T, limit time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan any, 1)
	start := time.Now()
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
		if elapsed := time.Since(start); elapsed > limit {
			t.Fatalf("%s took %v, want under %v", what, elapsed, limit)
		}
	case <-time.After(limit + 10*time.Second):
		t.Fatalf("%s did not finish (hang)", what)
	}
}

// loadBounded loads dir within limit and returns its single plain unit.
func loadBounded(t *testing.T, limit time.Duration, args []string, opt render.Options) *render.Unit {
	t.Helper()
	var units []*render.Unit
	bounded(t, limit, "Load", func() { units = render.Load(args, opt) })
	if len(units) != 1 {
		t.Fatalf("got %d units:%s", len(units), describeUnits(units))
	}
	return units[0]
}

// errorFor returns the unit's error naming file (a path relative to dir).
func errorFor(t *testing.T, dir string, u *render.Unit, file string) *render.Error {
	t.Helper()
	for _, e := range u.Errors {
		if relTo(t, dir, e.File) == file {
			return e
		}
	}
	t.Fatalf("no error names %s:%s", file, describeUnits([]*render.Unit{u}))
	return nil
}

func skipFor(t *testing.T, dir string, u *render.Unit, file string) render.Skip {
	t.Helper()
	for _, s := range u.Skipped {
		if relTo(t, dir, s.File) == file {
			return s
		}
	}
	t.Fatalf("no skip names %s:%s", file, describeUnits([]*render.Unit{u}))
	return render.Skip{}
}

func TestHostileSymlinkOutOfTree(t *testing.T) {
	const marker = "kready-must-never-read-this"
	outside := writeTree(t, map[string]string{"secret.yaml": cm(marker)})
	dir := writeTree(t, map[string]string{"ok.yaml": cm("ok")})
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "secret.yaml"))
	hostname, _ := os.ReadFile("/etc/hostname")
	haveHostname := len(strings.TrimSpace(string(hostname))) > 0
	if haveHostname {
		symlink(t, "/etc/hostname", filepath.Join(dir, "hostname.yaml"))
	}
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	for _, o := range u.Objects {
		if strings.Contains(string(o.JSON), marker) ||
			(haveHostname && strings.Contains(string(o.JSON), strings.TrimSpace(string(hostname)))) {
			t.Errorf("object %s holds content from outside the linted directory: %s", o.Source.File, o.JSON)
		}
	}
	if got := objectNames(t, dir, u); len(got) != 1 || got[0] != "ok.yaml: ok" {
		t.Errorf("objects = %q", got)
	}
	if s := skipFor(t, dir, u, "secret.yaml"); s.Reason != "symlink leaves the linted directory" {
		t.Errorf("secret.yaml: %+v", s)
	}
	if haveHostname {
		if s := skipFor(t, dir, u, "hostname.yaml"); s.Reason != "symlink leaves the linted directory" {
			t.Errorf("hostname.yaml: %+v", s)
		}
	}
	if len(u.Errors) != 0 {
		t.Errorf("errors: %v", u.Errors)
	}
}

func TestHostileSymlinkLoops(t *testing.T) {
	dir := writeTree(t, map[string]string{"ok.yaml": cm("ok"), "sub/s.yaml": cm("s")})
	symlink(t, "..", filepath.Join(dir, "sub", "a"))
	symlink(t, ".", filepath.Join(dir, "self"))
	symlink(t, "..", filepath.Join(dir, "sub", "up.yaml"))
	symlink(t, "loop.yaml", filepath.Join(dir, "loop.yaml"))
	symlink(t, "ping.yaml", filepath.Join(dir, "pong.yaml"))
	symlink(t, "pong.yaml", filepath.Join(dir, "ping.yaml"))
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	if got := objectNames(t, dir, u); len(got) != 2 || got[0] != "ok.yaml: ok" || got[1] != "sub/s.yaml: s" {
		t.Errorf("objects = %q (each file once: loops are not followed)", got)
	}
	for file, reason := range map[string]string{
		"loop.yaml": "broken symlink",
		"ping.yaml": "broken symlink",
		"pong.yaml": "broken symlink",
		// sub/.. is the root itself: inside, but not a file.
		"sub/up.yaml": "symlink to something other than a regular file",
	} {
		if s := skipFor(t, dir, u, file); s.Reason != reason {
			t.Errorf("%s: %q, want %q", file, s.Reason, reason)
		}
	}
}

func TestHostileFIFO(t *testing.T) {
	dir := writeTree(t, map[string]string{"ok.yaml": cm("ok")})
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	symlink(t, "pipe.yaml", filepath.Join(dir, "to-pipe.yaml"))
	// Opening a FIFO with no writer blocks forever: the walk must not try.
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	if s := skipFor(t, dir, u, "pipe.yaml"); s.Reason != "not a regular file" {
		t.Errorf("pipe.yaml: %+v", s)
	}
	if s := skipFor(t, dir, u, "to-pipe.yaml"); s.Reason != "symlink to something other than a regular file" {
		t.Errorf("to-pipe.yaml: %+v", s)
	}
	if got := objectNames(t, dir, u); len(got) != 1 {
		t.Errorf("objects = %q", got)
	}
}

func TestHostileOversizedFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"big.yaml": cm("big") + "data:\n  blob: " + strings.Repeat("x", 4000) + "\n",
		"ok.yaml":  cm("ok"),
	})
	// A sparse file far over the default limit: reading it would take
	// seconds and gigabytes, so refusing it fast proves it was not read.
	sparse := filepath.Join(dir, "sparse.yaml")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	truncErr := f.Truncate(8 << 30)
	f.Close()
	if truncErr != nil {
		os.Remove(sparse)
	}
	u := loadBounded(t, 2*time.Second, []string{dir}, render.Options{MaxFileSize: 1024})
	fi, _ := os.Stat(filepath.Join(dir, "big.yaml"))
	if e := errorFor(t, dir, u, "big.yaml"); e.Message != fmt.Sprintf("file is %d bytes, over the 1024-byte limit", fi.Size()) {
		t.Errorf("big.yaml: %v", e)
	}
	if got := objectNames(t, dir, u); len(got) != 1 || got[0] != "ok.yaml: ok" {
		t.Errorf("objects = %q", got)
	}
	if truncErr == nil {
		u = loadBounded(t, 2*time.Second, []string{sparse}, render.Options{})
		if e := errorFor(t, dir, u, "sparse.yaml"); !strings.Contains(e.Message, fmt.Sprintf("over the %d-byte limit", render.DefaultMaxFileSize)) {
			t.Errorf("sparse.yaml: %v", e)
		}
	}
}

func TestHostileBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  l0: &l0 lol\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	dir := writeTree(t, map[string]string{"lol.yaml": b.String(), "ok.yaml": cm("ok")})
	u := loadBounded(t, time.Second, []string{dir}, render.Options{})
	if e := errorFor(t, dir, u, "lol.yaml"); !strings.Contains(e.Message, "excessive aliasing") || e.Line < 1 {
		t.Errorf("lol.yaml: %v", e)
	}
	if got := objectNames(t, dir, u); len(got) != 1 {
		t.Errorf("objects = %q", got)
	}
}

// A mapping with many keys merged into another must not cost quadratic time.
func TestHostileWideMerge(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\nbase: &base\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	b.WriteString("data:\n  <<: *base\n  extra: v\n")
	dir := writeTree(t, map[string]string{"wide.yaml": b.String()})
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	if len(u.Objects) != 1 || len(u.Errors) != 0 {
		t.Fatalf("want the object loaded:%s", describeUnits([]*render.Unit{u}))
	}
	var v struct{ Data map[string]string }
	if err := json.Unmarshal(u.Objects[0].JSON, &v); err != nil || len(v.Data) != 100_001 {
		t.Errorf("merged data has %d keys (%v), want 100001", len(v.Data), err)
	}
}

// Many tiny documents: each is decoded on its own, and each is accounted for.
func TestHostileDocumentFlood(t *testing.T) {
	const n = 100_000
	dir := writeTree(t, map[string]string{"flood.yaml": strings.Repeat("---\n", n)})
	u := loadBounded(t, 10*time.Second, []string{dir}, render.Options{})
	if len(u.Skipped) != n || len(u.Objects)+len(u.Errors) != 0 {
		t.Fatalf("got %d skips, %d objects, %d errors; want %d skips", len(u.Skipped), len(u.Objects), len(u.Errors), n)
	}
	if last := u.Skipped[n-1]; last.Reason != fmt.Sprintf("document %d is empty (null)", n) {
		t.Errorf("last skip = %+v", last)
	}
}

func TestHostileDeepNesting(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"brackets.yaml": strings.Repeat("[", 100_000),
		"braces.yaml":   strings.Repeat("{a: ", 100_000),
		"in-object.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " +
			strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
		"ok.yaml": cm("ok"),
	})
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	for _, f := range []string{"brackets.yaml", "braces.yaml", "in-object.yaml"} {
		if e := errorFor(t, dir, u, f); !strings.Contains(e.Message, "depth") {
			t.Errorf("%s: %v", f, e)
		}
	}
	if got := objectNames(t, dir, u); len(got) != 1 {
		t.Errorf("objects = %q", got)
	}
}

func TestHostileLongLineBOMAndBadBytes(t *testing.T) {
	mb := strings.Repeat("y", 1<<20)
	dir := writeTree(t, map[string]string{
		"long.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\ndata:\n  blob: " + mb + "\n  after: x\n",
		"garbage.yaml": mb + "\n",
		"bom.yaml":     "\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: bom\r\n",
		"nul.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\x00ul\n",
		"utf8.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\xff\xfeutf8\n",
	})
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	byName := map[string]int{}
	for i, o := range u.Objects {
		byName[o.Name] = i
	}
	if i, ok := byName["long"]; !ok {
		t.Errorf("long.yaml not loaded:%s", describeUnits([]*render.Unit{u}))
	} else if lineOf(u.Objects[i], "data.after") != 7 || !json.Valid(u.Objects[i].JSON) {
		t.Errorf("long.yaml: data.after at line %d", lineOf(u.Objects[i], "data.after"))
	}
	if s := skipFor(t, dir, u, "garbage.yaml"); !strings.Contains(s.Reason, "not a mapping") {
		t.Errorf("garbage.yaml: %+v", s)
	}
	// A byte-order mark is not part of the first key.
	if i, ok := byName["bom"]; !ok {
		t.Errorf("bom.yaml not loaded:%s", describeUnits([]*render.Unit{u}))
	} else if o := u.Objects[i]; o.APIVersion != "v1" || lineOf(o, "metadata.name") != 4 {
		t.Errorf("bom.yaml: apiVersion %q, name at line %d", o.APIVersion, lineOf(o, "metadata.name"))
	}
	if e := errorFor(t, dir, u, "nul.yaml"); !strings.Contains(e.Message, "control characters") {
		t.Errorf("nul.yaml: %v", e)
	}
	if e := errorFor(t, dir, u, "utf8.yaml"); !strings.Contains(e.Message, "UTF-8") {
		t.Errorf("utf8.yaml: %v", e)
	}
}

// Type-confused and out-of-range values reach the rules as objects; every
// rule must cope with them without an internal error.
func TestHostileValuesThroughAllRules(t *testing.T) {
	deploy := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: odd
  namespace: 12
spec:
  replicas: 1e400
  template:
    spec:
      hostNetwork: "yes"
      securityContext:
        runAsUser: 99999999999999999999999
        runAsNonRoot: "true"
      containers:
        - name: app
          image: [not, a, string]
          ports:
            - containerPort: "80"
              name: 12
            - containerPort: 9223372036854775808
          readinessProbe:
            httpGet:
              port: 99999999999
          livenessProbe:
            tcpSocket:
              port: -1
          resources:
            limits:
              cpu: 1e400
              memory: .nan
            requests:
              cpu: 99999999999999999999999999999
              memory: -5
          securityContext:
            capabilities:
              drop: ALL
              add: {x: y}
        - "just a string"
        - null
      volumes:
        - name: v
          hostPath: 5
---
apiVersion: v1
kind: Pod
metadata:
  name: [weird]
spec:
  containers: {}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  jobTemplate: 7
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    spec: null
`
	dir := writeTree(t, map[string]string{"odd.yaml": deploy})
	u := loadBounded(t, 5*time.Second, []string{dir}, render.Options{})
	if len(u.Objects) != 4 {
		t.Fatalf("want 4 objects:%s", describeUnits([]*render.Unit{u}))
	}
	var rep *lint.Report
	bounded(t, 5*time.Second, "lint.Run", func() { rep = lint.Run([]*render.Unit{u}, rules.All()) })
	for _, e := range rep.Errors {
		t.Errorf("error: %s:%d: %s", e.File, e.Line, e.Message)
	}
	for _, f := range rep.Findings {
		if f.Line < 1 || relTo(t, dir, f.File) != "odd.yaml" {
			t.Errorf("finding without a position: %+v", f)
		}
	}
	t.Logf("%d findings on hostile values", len(rep.Findings))
}
