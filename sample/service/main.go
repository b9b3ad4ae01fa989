// Command service is the smallest image that meets Stratus's service contract
// (docs/service-contract.md): it listens on 8080 (or $PORT), answers the health path with 200,
// serves /api/<name>/*, writes nothing to its filesystem, logs to stdout and drains on SIGTERM.
// It is what the README's first-image steps build and push for every service.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// drainTimeout is how long in-flight requests get after SIGTERM: below the task's stopTimeout
// (30 s by default), after which ECS sends SIGKILL.
const drainTimeout = 20 * time.Second

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, log, listenAddress(os.Getenv), newHandler(os.Getenv)); err != nil {
		log.Error("stopped", "error", err)
		os.Exit(1)
	}
}

// listenAddress is :8080, the platform's default port, unless PORT says otherwise (set it in the
// service's config environment when its port is not 8080).
func listenAddress(getenv func(string) string) string {
	if port := getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":8080"
}

// run serves handler until ctx ends, then lets in-flight requests finish.
func run(ctx context.Context, log *slog.Logger, addr string, handler http.Handler) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	log.Info("listening", "address", listener.Addr().String())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// By SIGTERM the ALB has already deregistered the task: no new requests arrive.
	log.Info("draining", "timeout", drainTimeout.String())
	shutdown, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler answers the health check and every /api/<name>/ path. getenv reads the task's
// environment; the answer says which platform resources the task was given, never their values.
func newHandler(getenv func(string) string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/api/{name}/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"service":  r.PathValue("name"),
			"path":     r.URL.Path,
			"database": getenv("DB_HOST") != "",
			"cache":    getenv("REDIS_HOST") != "",
			"iamAuth":  getenv("DB_PASSWORD") == "" && getenv("DB_IAM_USER") != "",
		})
	})
	return mux
}
