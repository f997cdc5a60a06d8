// Package timefmt formats durations for the sentences and tables that
// cutover prints.
package timefmt

import (
	"fmt"
	"strings"
	"time"
)

// Duration formats d rounded to the second, in days when it is a whole
// number of days, and otherwise as time.Duration does without trailing zero
// units, such as "31m" or "1h30m".
func Duration(d time.Duration) string {
	d = d.Round(time.Second)
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		if d == day {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/day)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
