package gateway

import "time"

// Limits on what one HIP may make the consent manager do to one person.
const (
	// demographicFailures: failed DEMOGRAPHICS verifications one HIP may
	// cause for one person in demographicWindow. ABHA locks a person's
	// authentication after 10 failures in 15 minutes whoever causes them;
	// without this, one HIP guessing could lock them out for every other.
	demographicFailures = 3
	demographicWindow   = 15 * time.Minute
	// smsPerPhone: SMS notices one HIP may have sent to one phone number in
	// smsWindow.
	smsPerPhone = 5
	smsWindow   = time.Hour
)
