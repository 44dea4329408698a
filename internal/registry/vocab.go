package registry

import "slices"

// Term is one code of a closed vocabulary with its English label.
type Term struct {
	Code  string
	Label string
}

// Vocabulary is an ordered list of terms.
type Vocabulary []Term

// Has reports whether code is in the vocabulary.
func (v Vocabulary) Has(code string) bool {
	return slices.ContainsFunc(v, func(t Term) bool { return t.Code == code })
}

// Label returns code's label, or code itself when unknown.
func (v Vocabulary) Label(code string) string {
	for _, t := range v {
		if t.Code == code {
			return t.Label
		}
	}
	return code
}

// Codes returns the codes in order.
func (v Vocabulary) Codes() []string {
	out := make([]string, len(v))
	for i, t := range v {
		out[i] = t.Code
	}
	return out
}

// FacilityTypes are the kinds of facility HFR lists.
var FacilityTypes = Vocabulary{
	{"hospital", "Hospital"},
	{"phc", "Primary Health Centre"},
	{"chc", "Community Health Centre"},
	{"sub-centre", "Sub Centre / Health and Wellness Centre"},
	{"clinic", "Clinic / Dispensary"},
	{"nursing-home", "Nursing Home"},
	{"diagnostic-lab", "Diagnostic Laboratory"},
	{"imaging-centre", "Imaging Centre"},
	{"pharmacy", "Pharmacy"},
	{"blood-bank", "Blood Bank"},
	{"telemedicine-centre", "Telemedicine Centre"},
	{"dental-clinic", "Dental Clinic"},
	{"physiotherapy-centre", "Physiotherapy Centre"},
	{"wellness-centre", "AYUSH Wellness Centre"},
}

// Ownerships are who owns a facility.
var Ownerships = Vocabulary{
	{"government", "Government"},
	{"private", "Private"},
	{"psu", "Public Sector Undertaking"},
}

// OwnershipSubTypes lists each ownership's sub-types.
var OwnershipSubTypes = map[string]Vocabulary{
	"government": {
		{"central", "Central Government"},
		{"state", "State Government"},
		{"local-body", "Local Body / Municipal"},
		{"armed-forces", "Armed Forces"},
		{"railways", "Railways"},
		{"esic", "ESIC"},
		{"cghs", "CGHS"},
	},
	"private": {
		{"individual", "Individual / Proprietorship"},
		{"partnership", "Partnership"},
		{"company", "Private Limited Company"},
		{"trust", "Trust / Society (not for profit)"},
		{"corporate", "Corporate Chain"},
	},
	"psu": {
		{"central-psu", "Central PSU"},
		{"state-psu", "State PSU"},
	},
}

// SystemsOfMedicine are modern medicine and the AYUSH systems.
var SystemsOfMedicine = Vocabulary{
	{"modern", "Modern Medicine (Allopathy)"},
	{"ayurveda", "Ayurveda"},
	{"yoga-naturopathy", "Yoga & Naturopathy"},
	{"unani", "Unani"},
	{"siddha", "Siddha"},
	{"sowa-rigpa", "Sowa-Rigpa"},
	{"homoeopathy", "Homoeopathy"},
}

// ProfessionalCategories are the HPR's professional categories and the
// health workers, who are categories of their own.
var ProfessionalCategories = Vocabulary{
	{"doctor", "Doctor"},
	{"nurse", "Nurse"},
	{"pharmacist", "Pharmacist"},
	{"dentist", "Dentist"},
	{"physiotherapist", "Physiotherapist"},
	{"allied-health", "Allied Health Professional"},
	{"midwife", "Midwife"},
	{"asha", "ASHA (Accredited Social Health Activist)"},
	{"anm", "ANM (Auxiliary Nurse Midwife)"},
	{"lab-technician", "Laboratory Technician"},
	{"radiographer", "Radiographer"},
	{"community-health-officer", "Community Health Officer"},
	{"multipurpose-worker", "Multipurpose Health Worker"},
}

// HealthWorkerCategories are the categories that are health workers rather
// than registered professionals: they need no council registration.
var HealthWorkerCategories = []string{"asha", "anm", "lab-technician", "radiographer", "community-health-officer", "multipurpose-worker"}

// categoriesWithSystem are the categories whose members practise one
// system of medicine.
var categoriesWithSystem = []string{"doctor", "pharmacist", "nurse"}

// Specialities are clinical specialities and services, for facilities and
// professionals.
var Specialities = Vocabulary{
	{"general-medicine", "General Medicine"},
	{"general-surgery", "General Surgery"},
	{"paediatrics", "Paediatrics"},
	{"obstetrics-gynaecology", "Obstetrics & Gynaecology"},
	{"orthopaedics", "Orthopaedics"},
	{"cardiology", "Cardiology"},
	{"neurology", "Neurology"},
	{"nephrology", "Nephrology"},
	{"oncology", "Oncology"},
	{"ophthalmology", "Ophthalmology"},
	{"ent", "ENT"},
	{"dermatology", "Dermatology"},
	{"psychiatry", "Psychiatry"},
	{"pulmonology", "Pulmonology"},
	{"gastroenterology", "Gastroenterology"},
	{"endocrinology", "Endocrinology"},
	{"urology", "Urology"},
	{"anaesthesiology", "Anaesthesiology"},
	{"radiology", "Radiology"},
	{"pathology", "Pathology"},
	{"emergency-medicine", "Emergency Medicine"},
	{"family-medicine", "Family Medicine"},
	{"community-medicine", "Community Medicine"},
	{"dentistry", "Dentistry"},
	{"physiotherapy", "Physiotherapy"},
	{"dialysis", "Dialysis"},
	{"critical-care", "Critical Care"},
	{"panchakarma", "Panchakarma"},
	{"kayachikitsa", "Kayachikitsa"},
}

// Languages are the languages a professional speaks: India's scheduled
// languages and English, by ISO 639 code.
var Languages = Vocabulary{
	{"en", "English"}, {"hi", "Hindi"}, {"bn", "Bengali"}, {"te", "Telugu"}, {"mr", "Marathi"},
	{"ta", "Tamil"}, {"ur", "Urdu"}, {"gu", "Gujarati"}, {"kn", "Kannada"}, {"or", "Odia"},
	{"ml", "Malayalam"}, {"pa", "Punjabi"}, {"as", "Assamese"}, {"mai", "Maithili"},
	{"sat", "Santali"}, {"ks", "Kashmiri"}, {"ne", "Nepali"}, {"sd", "Sindhi"},
	{"kok", "Konkani"}, {"doi", "Dogri"}, {"mni", "Manipuri"}, {"brx", "Bodo"}, {"sa", "Sanskrit"},
}

// DosageForms are drug dosage forms.
var DosageForms = Vocabulary{
	{"tablet", "Tablet"}, {"capsule", "Capsule"}, {"syrup", "Syrup"}, {"suspension", "Suspension"},
	{"injection", "Injection"}, {"infusion", "Infusion"}, {"ointment", "Ointment"}, {"cream", "Cream"},
	{"gel", "Gel"}, {"drops", "Drops"}, {"inhaler", "Inhaler"}, {"powder", "Powder"},
	{"solution", "Solution"}, {"suppository", "Suppository"}, {"patch", "Patch"}, {"lotion", "Lotion"},
}

// Routes are routes of administration.
var Routes = Vocabulary{
	{"oral", "Oral"}, {"iv", "Intravenous"}, {"im", "Intramuscular"}, {"sc", "Subcutaneous"},
	{"topical", "Topical"}, {"inhalation", "Inhalation"}, {"ophthalmic", "Ophthalmic"},
	{"otic", "Otic"}, {"nasal", "Nasal"}, {"rectal", "Rectal"}, {"vaginal", "Vaginal"},
	{"sublingual", "Sublingual"}, {"transdermal", "Transdermal"},
}

// Schedules are the Drugs and Cosmetics Rules schedules that govern sale.
var Schedules = Vocabulary{
	{"H", "Schedule H (prescription only)"},
	{"H1", "Schedule H1 (prescription only, register kept)"},
	{"X", "Schedule X (narcotic and psychotropic)"},
	{"G", "Schedule G (under medical supervision)"},
	{"OTC", "Over the counter"},
}

// ABDMRoles are the exchange services a facility may run.
var ABDMRoles = Vocabulary{
	{"HIP", "Health Information Provider"},
	{"HIU", "Health Information User"},
}
