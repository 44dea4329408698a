package consent

import (
	"encoding/json"
	"time"
)

// Transfer (data-flow session) statuses.
const (
	FlowRequested    = "REQUESTED"
	FlowAcknowledged = "ACKNOWLEDGED"
	FlowTransferred  = "TRANSFERRED"
	FlowFailed       = "FAILED"
)

// Flow is one health-information request under an artefact: the CM checks
// it against the consent, asks the HIP, and tracks the transfer from the
// HIP's and HIU's notices. It names the records by reference only; the
// records themselves go from HIP to HIU, never through the CM.
type Flow struct {
	TransactionID string // chosen by the CM
	ArtefactID    string
	HIPID         string
	HIUID         string
	BridgeID      string // the HIU's bridge
	From, To      time.Time
	Status        string
	RequestedAt   time.Time
	UpdatedAt     time.Time
}

// FlowUpdate changes a flow's status, if it is still one of From (a
// transfer never goes back from TRANSFERRED or FAILED).
type FlowUpdate struct {
	TransactionID string
	From          []string
	To            string
	At            time.Time
}

// Window returns the span of one frequency period: a permission lets the
// HIU ask at most Repeats times (at least once) per Value Units.
func (f Frequency) Window() time.Duration {
	unit := map[string]time.Duration{"HOUR": time.Hour, "DAY": 24 * time.Hour, "WEEK": 7 * 24 * time.Hour,
		"MONTH": 30 * 24 * time.Hour, "YEAR": 365 * 24 * time.Hour}[f.Unit]
	return time.Duration(max(f.Value, 1)) * unit
}

// Allowed returns how many requests a window allows.
func (f Frequency) Allowed() int { return max(f.Repeats, 1) }

// DetailPermission reads the permission back out of a signed
// consentDetail.
func DetailPermission(detail []byte) (Permission, []string, error) {
	var d struct {
		HITypes    []string `json:"hiTypes"`
		Permission struct {
			AccessMode string `json:"accessMode"`
			DateRange  struct {
				From, To time.Time
			} `json:"dateRange"`
			DataEraseAt time.Time `json:"dataEraseAt"`
			Frequency   Frequency `json:"frequency"`
		} `json:"permission"`
	}
	if err := json.Unmarshal(detail, &d); err != nil {
		return Permission{}, nil, err
	}
	p := d.Permission
	return Permission{AccessMode: p.AccessMode, DateRange: DateRange{From: p.DateRange.From, To: p.DateRange.To},
		DataEraseAt: p.DataEraseAt, Frequency: p.Frequency}, d.HITypes, nil
}
