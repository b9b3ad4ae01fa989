// Package duration hands out aws-cdk-lib Durations, one jsii object per unit and value.
//
// Each awscdk.Duration_Seconds (or _Minutes, _Hours, _Days) call is a round trip to the jsii
// kernel, about 0.1 ms of synth, and returns a new object for a value that cannot change. A
// service asked for the same few values some 50 times (its alarms' periods, its SLO windows, its
// defaults), in each region. Here the first call of a unit and value creates the Duration and
// later ones return it. The unit is kept as asked, so what a Duration renders (toHumanString, a
// period in seconds) is what the direct call would have rendered.
//
// The objects live in the process's jsii kernel, so none may be made before the kernel this
// process synthesizes with starts (jsiidirect.Enable closes the runtime first: no package-level
// Duration, no init function making one) or used after it closes (jsii.Close, which the app and
// the test binaries call only when they exit).
package duration

import (
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

type key struct {
	unit  string
	value float64
}

var (
	mu    sync.Mutex
	known = map[key]awscdk.Duration{}
	// seconds is the length of each Duration made here, for SecondsOf.
	seconds = map[awscdk.Duration]float64{}
)

// unitSeconds are the units' lengths.
var unitSeconds = map[string]float64{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

// SecondsOf is d's length in seconds if d was made here, read without a call into the jsii
// runtime (validation asks for the lengths of a service's durations in every region); ok is false
// for a Duration of a token and for any Duration made elsewhere, whose length only aws-cdk-lib
// knows.
func SecondsOf(d awscdk.Duration) (s float64, ok bool) {
	mu.Lock()
	defer mu.Unlock()
	s, ok = seconds[d]
	return s, ok
}

// Seconds is awscdk.Duration_Seconds(n).
func Seconds(n float64) awscdk.Duration { return of("seconds", n, awscdk.Duration_Seconds) }

// Minutes is awscdk.Duration_Minutes(n).
func Minutes(n float64) awscdk.Duration { return of("minutes", n, awscdk.Duration_Minutes) }

// Hours is awscdk.Duration_Hours(n).
func Hours(n float64) awscdk.Duration { return of("hours", n, awscdk.Duration_Hours) }

// Days is awscdk.Duration_Days(n).
func Days(n float64) awscdk.Duration { return of("days", n, awscdk.Duration_Days) }

func of(unit string, n float64, create func(*float64) awscdk.Duration) awscdk.Duration {
	mu.Lock()
	defer mu.Unlock()
	k := key{unit, n}
	d, ok := known[k]
	if !ok {
		d = create(jsii.Number(n))
		known[k] = d
		if !*awscdk.Token_IsUnresolved(n) { // a token's length is known at deployment only
			seconds[d] = n * unitSeconds[unit]
		}
	}
	return d
}
