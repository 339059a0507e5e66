package worker

import (
	"fmt"
	"io"
	"net/http"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/phalanx-net/phalanx/sdk/client"
)

// MaxResponseBytes bounds one RPC response. CometBFT's HTTP client reads
// a whole response into memory; the node is not trusted, so a response
// larger than any honest one (a batch of commits is tens of KB) is cut
// off and fails to decode instead of exhausting the worker's memory.
const MaxResponseBytes = 64 << 20

// newRPC returns an HTTP RPC client of the node at url whose responses
// are bounded.
func newRPC(node string) (*rpchttp.HTTP, error) {
	url, err := client.NodeURL(node)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: limitedTransport{next: http.DefaultTransport, max: MaxResponseBytes}, Timeout: 2 * time.Minute}
	c, err := rpchttp.NewWithClient(url, hc)
	if err != nil {
		return nil, fmt.Errorf("rpc client for %s: %w", url, err)
	}
	return c, nil
}

type limitedTransport struct {
	next http.RoundTripper
	max  int64
}

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = limitedBody{Reader: io.LimitReader(res.Body, t.max), Closer: res.Body}
	return res, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
