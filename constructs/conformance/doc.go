// Package conformance holds one test: every value internal/limits allows for an enumerated or
// limited prop (each engine version, Fargate size, log retention, price class, endpoint…) goes
// through its construct and synthesizes. config accepts exactly these values, so a construct that
// disagrees with limits fails here instead of at a user's synth.
package conformance
