package web

// messagesErrEN are the sentences a page shows for an error, by its code,
// when the service's message has no translation in the page's language
// (errtext.go); init merges them into messagesEN.
var messagesErrEN = catalogue{
	"err.code.invalid":           "Some details are not valid. Check them and try again.",
	"err.code.unauthorized":      "Please sign in again to continue.",
	"err.code.forbidden":         "You are not allowed to do this.",
	"err.code.not_found":         "We could not find what you asked for.",
	"err.code.conflict":          "This clashes with something already saved. Check and try again.",
	"err.code.gone":              "This has expired. Please start again.",
	"err.code.unprocessable":     "This request cannot be completed as it is.",
	"err.code.too_many_requests": "Too many attempts. Please wait a while and try again.",
	"err.code.internal":          "Something went wrong on our side. Please try again later.",
	"err.code.unavailable":       "The service is not available right now. Please try again later.",
	"err.code.timeout":           "Another system did not answer in time. Please try again.",
}

func init() { mergeMessages(messagesEN, messagesErrEN, "messages_err_en.go") }
