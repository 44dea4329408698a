package web

import "fmt"

// messagesPHRViewHI are the words of the PHR's record viewer in Hindi,
// every id of messagesPHRViewEN; init merges them into messagesHI.
var messagesPHRViewHI = catalogue{
	"title.phr_view":        "मेरे रिकॉर्ड खोलें",
	"title.phr_view_record": "मेरा रिकॉर्ड",

	"phrview.open":            "रिकॉर्ड खोलें",
	"phrview.heading":         "मेरे रिकॉर्ड खोलें",
	"phrview.pin.lead":        "इस विज़िट के रिकॉर्ड दिखाने के लिए यह ऐप आपकी सहमति से %[1]s से उन्हें माँगता है (उद्देश्य: स्वयं द्वारा अनुरोधित)। केवल इस विज़िट के लिए सहमति देने हेतु अपना सहमति PIN डालें।",
	"phrview.pin.hint":        "वही 4 अंकों का PIN जिससे आप सहमति स्वीकार करते हैं।",
	"phrview.pin.submit":      "सहमति दें और खोलें",
	"phrview.erase":           "यह ऐप जो प्रति लाता है वह %[1]s को मिटा दी जाती है; बाद में देखने के लिए विज़िट फिर से खोलें।",
	"phrview.wait.consent":    "सहमति दर्ज होने की प्रतीक्षा है…",
	"phrview.wait.artefact":   "सहमति दे दी गई। सहमति प्रबंधक की पुष्टि की प्रतीक्षा है…",
	"phrview.wait.data":       "सुविधा से रिकॉर्ड माँगे जा रहे हैं। वे इस ऐप तक एन्क्रिप्ट होकर आते हैं…",
	"phrview.wait.reload":     "यह पेज हर कुछ सेकंड में अपने आप फिर से लोड होता है।",
	"phrview.from":            "%[1]s से रिकॉर्ड:",
	"phrview.none":            "सुविधा ने इस विज़िट का कोई रिकॉर्ड नहीं भेजा।",
	"phrview.failed.denied":   "सहमति अस्वीकार की गई, इसलिए कोई रिकॉर्ड नहीं लाया गया।",
	"phrview.failed.expired":  "सहमति की अवधि समाप्त हो गई है। अपने रिकॉर्ड से विज़िट फिर से खोलें।",
	"phrview.failed.errored":  "सहमति प्रबंधक ने अनुरोध स्वीकार नहीं किया। बाद में फिर कोशिश करें।",
	"phrview.failed.other":    "रिकॉर्ड नहीं दिखाए जा सकते। अपने रिकॉर्ड से विज़िट फिर से खोलें।",
	"phrview.failed.transfer": "सुविधा ने रिकॉर्ड नहीं भेजे। बाद में फिर कोशिश करें।",
	"phrview.err.cm":          "सहमति प्रबंधक ने समय पर उत्तर नहीं दिया। बाद में फिर कोशिश करें।",
	"phrview.record.from":     "%[1]s से। यह प्रति %[2]s को मिटा दी जाती है।",
	"phrview.fhir":            "डाउनलोड करें (FHIR JSON)",
	"phrview.back":            "इस विज़िट के रिकॉर्ड पर वापस",
}

func init() {
	for id, s := range messagesPHRViewHI {
		if _, dup := messagesHI[id]; dup {
			panic(fmt.Sprintf("web: message %q is in both messages_hi.go and messages_phrview_hi.go", id))
		}
		messagesHI[id] = s
	}
}
