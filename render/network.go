package render

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

// DisableNetwork makes the process unable to reach the network through the
// standard HTTP client or git, as a backstop behind the checks that refuse
// remote references before anything is rendered: http.DefaultTransport (and
// with it http.DefaultClient and every client without its own transport)
// fails every request, and git is allowed only the file protocol. The CLI
// calls it once at start; later calls do nothing.
func DisableNetwork() {
	disableNetworkOnce.Do(func() {
		http.DefaultTransport = refusingTransport{}
		http.DefaultClient.Transport = refusingTransport{}
		_ = os.Setenv("GIT_ALLOW_PROTOCOL", "file")
	})
}

var disableNetworkOnce sync.Once

// refusingTransport fails every request without opening a connection.
type refusingTransport struct{}

func (refusingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close() // RoundTrip must close the body even on error
	}
	return nil, fmt.Errorf("network access refused (kready works offline): %s %s", r.Method, r.URL.Redacted())
}
