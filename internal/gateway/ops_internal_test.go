package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
)

func TestPercentiles(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 … 1, unsorted
	}
	tests := []struct {
		name          string
		in            []time.Duration
		n             int
		p50, p95, p99 time.Duration
	}{
		{"none", nil, 0, 0, 0, 0},
		{"one", ms(7), 1, 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"two", ms(9, 1), 2, 1 * time.Millisecond, 9 * time.Millisecond, 9 * time.Millisecond},
		{"ten", ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 10, 5 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
		{"hundred", ms(hundred...), 100, 50 * time.Millisecond, 95 * time.Millisecond, 99 * time.Millisecond},
		{"one slow in a hundred", append(ms(hundred[:99]...), time.Minute), 100, 51 * time.Millisecond, 96 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, p50, p95, p99 := percentiles(tt.in)
			if n != tt.n || p50 != tt.p50 || p95 != tt.p95 || p99 != tt.p99 {
				t.Errorf("percentiles = %d %s %s %s, want %d %s %s %s", n, p50, p95, p99, tt.n, tt.p50, tt.p95, tt.p99)
			}
		})
	}
}

func TestStateOfFacility(t *testing.T) {
	for id, want := range map[string]string{
		"IN2810014366": "28", "IN0710000001": "7", "IN3610005678": "36", "IN28": "28",
		"": "", "IN": "", "IN2": "", "INX810014366": "", "in2810014366": "", "hip-1": "", "XX2810014366": "",
	} {
		if got := StateOfFacility(id); got != want {
			t.Errorf("StateOfFacility(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestKindTraffic(t *testing.T) {
	counts := []TrafficCount{
		{Kind: "b", Status: OutDelivered, N: 5, Recent: 2},
		{Kind: "b", Status: OutDead, N: 1, Recent: 0},
		{Kind: "a", Status: OutPending, N: 3, Recent: 3},
	}
	sample := []Latency{{"b", 30 * time.Millisecond}, {"b", 10 * time.Millisecond}, {"c", time.Second}}
	kinds, total := kindTraffic(counts, true, sample)
	if len(kinds) != 3 || kinds[0].Kind != "a" || kinds[1].Kind != "b" || kinds[2].Kind != "c" {
		t.Fatalf("kinds %+v", kinds)
	}
	if b := kinds[1]; b.Delivered != 2 || b.Dead != 0 || b.Sampled != 2 || b.P50 != 10*time.Millisecond || b.P99 != 30*time.Millisecond {
		t.Errorf("b: %+v", b)
	}
	if a := kinds[0]; a.Pending != 3 || a.Sampled != 0 || a.P50 != 0 {
		t.Errorf("a: %+v", a)
	}
	if total.Delivered != 2 || total.Pending != 3 || total.Dead != 0 || total.Sampled != 3 || total.P99 != time.Second {
		t.Errorf("total: %+v", total)
	}
	kinds, total = kindTraffic(counts, false, nil)
	if len(kinds) != 2 || total.Delivered != 5 || total.Dead != 1 || total.Pending != 3 {
		t.Errorf("whole window: %+v %+v", kinds, total)
	}
}

// TestOpsOperatorOnly: every view refuses anyone but the operator before
// reading anything (the stores are nil).
func TestOpsOperatorOnly(t *testing.T) {
	o := NewOps(&Service{}, nil, nil, nil)
	for _, ctx := range []context.Context{
		context.Background(),
		arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorVerifier, ID: "vrf-1"}),
	} {
		_, err1 := o.Bridges(ctx)
		_, err2 := o.Traffic(ctx)
		_, err3 := o.DeadLetters(ctx, 0, 10)
		err4 := o.Replay(ctx, 1)
		_, err5 := o.ConsentCounts(ctx)
		_, err6 := o.DeadCount(ctx)
		for i, err := range []error{err1, err2, err3, err4, err5, err6} {
			if arogya.ErrorCode(err) != arogya.EFORBIDDEN {
				t.Errorf("view %d: %v, want EFORBIDDEN", i+1, err)
			}
		}
	}
}
