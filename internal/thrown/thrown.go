// Package thrown turns what aws-cdk-lib throws into a Go error of one line.
//
// aws-cdk-lib reports what it refuses during construction or synth (a stack over a CloudFormation
// limit, a construct rejecting its props, a duplicate construct id) by throwing; jsii turns that
// into a Go panic whose value carries the JavaScript stack trace. The user needs the message, not
// the trace.
package thrown

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// Catch runs fn and returns what aws-cdk-lib threw in it as a one-line error, or nil. A Go runtime
// error (nil dereference, index out of range) is a bug in Stratus itself: it keeps panicking, with
// its trace.
func Catch(fn func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if _, bug := r.(runtime.Error); bug {
			panic(r)
		}
		err = errors.New(Message(r))
	}()
	fn()
	return nil
}

// Message is the thrown value's message without the JavaScript stack trace jsii appends, on one
// line.
func Message(value any) string {
	var lines []string
	for _, line := range strings.Split(fmt.Sprint(value), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "at ") || strings.HasPrefix(trimmed, "@jsii/kernel") {
			break
		}
		if trimmed != "" {
			lines = append(lines, trimmed)
		}
	}
	return strings.TrimPrefix(strings.Join(lines, " "), "Error: ")
}
