package timefmt

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{30 * time.Minute, "30m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{45 * time.Second, "45s"},
		{0, "0s"},
		{1500 * time.Millisecond, "2s"},
		{24 * time.Hour, "1 day"},
		{7 * 24 * time.Hour, "7 days"},
		{25 * time.Hour, "25h"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Duration(tc.in), tc.in.String())
	}
}
