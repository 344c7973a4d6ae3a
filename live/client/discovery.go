package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxHostsBody caps the discovery response we read; a hosts list is tiny.
const maxHostsBody = 64 << 10

// DiscoverHosts asks {baseURL}/api/v1/interactive/hosts for game-client
// addresses, in the server's order of preference.
func DiscoverHosts(ctx context.Context, hc *http.Client, baseURL string) ([]string, error) {
	url := strings.TrimRight(baseURL, "/") + "/api/v1/interactive/hosts"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("discover hosts: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discover hosts: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHostsBody+1))
	if err != nil {
		return nil, fmt.Errorf("discover hosts: read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discover hosts: %s answered %d", url, resp.StatusCode)
	}
	if len(body) > maxHostsBody {
		return nil, fmt.Errorf("discover hosts: %s answered more than %d bytes", url, maxHostsBody)
	}
	var list []struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("discover hosts: %s: %w", url, err)
	}
	hosts := make([]string, 0, len(list))
	for _, h := range list {
		if h.Address != "" {
			hosts = append(hosts, h.Address)
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("discover hosts: %s: %w", url, ErrNoHosts)
	}
	return hosts, nil
}
