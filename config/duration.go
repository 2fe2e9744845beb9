package config

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written in the file as Go spells it ("30s",
// "2m", "1h30m"), so an admin never has to count nanoseconds.
type Duration time.Duration

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText reads "30s"-style durations; negative ones are refused.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a value such as \"30s\" or \"5m\"", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q: must not be negative", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back the way it is read.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
