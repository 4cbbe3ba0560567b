package render_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kready/kready/render"
)

// After DisableNetwork, the standard HTTP clients refuse every request
// without connecting, and git may use only the file protocol.
func TestDisableNetwork(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "reached")
	}))
	defer srv.Close()

	render.DisableNetwork()
	render.DisableNetwork() // a second call changes nothing

	for name, get := range map[string]func(string) (*http.Response, error){
		"http.Get":      http.Get,
		"http.Client{}": (&http.Client{}).Get,
		"DefaultClient": http.DefaultClient.Get,
		"DefaultTransport": func(url string) (*http.Response, error) {
			req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("body"))
			if err != nil {
				return nil, err
			}
			return http.DefaultTransport.RoundTrip(req)
		},
	} {
		resp, err := get(srv.URL + "/secret?token=x")
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: request went through", name)
			continue
		}
		if !strings.Contains(err.Error(), "network access refused (kready works offline)") {
			t.Errorf("%s: error = %v", name, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the server received %d requests", hits.Load())
	}
	if got := os.Getenv("GIT_ALLOW_PROTOCOL"); got != "file" {
		t.Errorf("GIT_ALLOW_PROTOCOL = %q, want file", got)
	}
	// A client with its own transport (the test server's) still works: only
	// the process-wide defaults are replaced.
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("own transport: %v", err)
	}
	resp.Body.Close()
}
