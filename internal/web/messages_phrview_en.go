package web

import "fmt"

// messagesPHRViewEN are the words of the PHR's record viewer (phr_view.go)
// in English; init merges them into messagesEN, refusing an id defined
// twice.
var messagesPHRViewEN = catalogue{
	"title.phr_view":        "Open my records",
	"title.phr_view_record": "My record",

	"phrview.open":            "Open records",
	"phrview.heading":         "Open my records",
	"phrview.pin.lead":        "To show you this visit's records, this app asks %[1]s for them with your consent (purpose: Self Requested). Enter your consent PIN to give it for this visit only.",
	"phrview.pin.hint":        "The same 4-digit PIN you approve consents with.",
	"phrview.pin.submit":      "Give consent and open",
	"phrview.erase":           "The copy this app fetches is erased on %[1]s; open the visit again to see it later.",
	"phrview.wait.consent":    "Waiting for the consent to be recorded…",
	"phrview.wait.artefact":   "Consent given. Waiting for the consent manager to confirm it…",
	"phrview.wait.data":       "Asking the facility for the records. They come encrypted to this app…",
	"phrview.wait.reload":     "This page reloads itself every few seconds.",
	"phrview.from":            "Records from %[1]s:",
	"phrview.none":            "The facility sent no records for this visit.",
	"phrview.failed.denied":   "The consent was denied, so no records were fetched.",
	"phrview.failed.expired":  "The consent has expired. Open the visit again from your records.",
	"phrview.failed.errored":  "The consent manager did not accept the request. Try again later.",
	"phrview.failed.other":    "The records cannot be shown. Open the visit again from your records.",
	"phrview.failed.transfer": "The facility did not send the records. Try again later.",
	"phrview.err.cm":          "The consent manager did not answer in time. Try again later.",
	"phrview.record.from":     "From %[1]s. This copy is erased on %[2]s.",
	"phrview.fhir":            "Download (FHIR JSON)",
	"phrview.back":            "Back to this visit's records",
}

func init() {
	for id, s := range messagesPHRViewEN {
		if _, dup := messagesEN[id]; dup {
			panic(fmt.Sprintf("web: message %q is in both messages_en.go and messages_phrview_en.go", id))
		}
		messagesEN[id] = s
	}
}
