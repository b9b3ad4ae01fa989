package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// env is a task environment for newHandler.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestHealthAnswers200(t *testing.T) {
	rec := get(t, newHandler(env(nil)), http.MethodGet, "/health")
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Fatalf("GET /health = %d %q, want 200 \"ok\\n\"", rec.Code, rec.Body.String())
	}
}

func TestServesItsPathPattern(t *testing.T) {
	h := newHandler(env(map[string]string{"DB_HOST": "db.example", "DB_IAM_USER": "order", "REDIS_HOST": "cache.example"}))
	rec := get(t, h, http.MethodPost, "/api/order/v1/items")
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /api/order/v1/items = %d, want 200", rec.Code)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	want := map[string]any{"service": "order", "path": "/api/order/v1/items", "database": true, "cache": true, "iamAuth": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (body %s)", k, got[k], v, rec.Body.String())
		}
	}
}

func TestNeverEchoesCredentials(t *testing.T) {
	h := newHandler(env(map[string]string{"DB_HOST": "db.example", "DB_PASSWORD": "hunter2", "REDIS_AUTH": "s3cret"}))
	body := get(t, h, http.MethodGet, "/api/product/").Body.String()
	if strings.Contains(body, "hunter2") || strings.Contains(body, "s3cret") || strings.Contains(body, `"iamAuth":true`) {
		t.Fatalf("body %s", body)
	}
}

func TestOtherPathsAre404(t *testing.T) {
	for _, path := range []string{"/", "/api", "/api/", "/admin", "/healthz"} {
		if code := get(t, newHandler(env(nil)), http.MethodGet, path).Code; code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
}

func TestListensOn8080UnlessPortIsSet(t *testing.T) {
	if got := listenAddress(env(nil)); got != ":8080" {
		t.Errorf("listenAddress() = %q, want :8080", got)
	}
	if got := listenAddress(env(map[string]string{"PORT": "9090"})); got != ":9090" {
		t.Errorf("listenAddress(PORT=9090) = %q, want :9090", got)
	}
}

// TestDrainsOnShutdown stops the service (as SIGTERM does) while a request is in its handler,
// and expects that request to complete and run to return cleanly.
func TestDrainsOnShutdown(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()

	started, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), addr, slow) }()

	type reply struct {
		body string
		err  error
	}
	replies := make(chan reply, 1)
	go func() {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/slow")
			if err != nil && time.Now().Before(deadline) {
				continue // not listening yet
			}
			if err != nil {
				replies <- reply{err: err}
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			replies <- reply{string(body), err}
			return
		}
	}()

	select {
	case <-started:
	case r := <-replies:
		t.Fatalf("the request never reached the handler: %v", r.err)
	}
	cancel()
	select {
	case err := <-done:
		t.Fatalf("run returned %v while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-replies; r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request got %q, %v; want \"done\"", r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v, want nil after a clean drain", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after the drain")
	}
}
