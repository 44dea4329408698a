package india

import "slices"

// stateAliases maps name keys of old or common spellings to state codes.
var stateAliases = map[string]string{
	"orissa":                          "21",
	"pondicherry":                     "34",
	"pondichery":                      "34",
	"uttaranchal":                     "5",
	"chattisgarh":                     "22",
	"chhatisgarh":                     "22",
	"telengana":                       "36",
	"nctofdelhi":                      "7",
	"nationalcapitalterritoryofdelhi": "7",
	"newdelhi":                        "7",
	"andamannicobar":                  "35",
	"andamannicobarisland":            "35",
	"jk":                              "1",
	"dadranagarhaveli":                "38",
	"damandiu":                        "38",
	"dnhdd":                           "38",
	"dadranagarhavelidamandiu":        "38",
	"chandigarhut":                    "4",
}

// States returns the 36 states and union territories, sorted by name.
func States() []State {
	return slices.Clone(data().states)
}

// StateByCode returns the state with the LGD code, e.g. "9" for Uttar
// Pradesh. Leading zeros are not accepted.
func StateByCode(code string) (State, bool) {
	s, ok := data().stateByCode[code]
	return s, ok
}

// StateByName finds a state by its English name, ignoring case,
// punctuation and the words "and"/"&" and "the", and knowing common old
// spellings such as "Orissa", "Pondicherry", "Uttaranchal" and "Tamilnadu".
func StateByName(name string) (State, bool) {
	d := data()
	code, ok := d.stateByKey[nameKey(name)]
	if !ok {
		return State{}, false
	}
	return d.stateByCode[code], true
}

// Districts returns the districts of a state, sorted by name, or nil for an
// unknown state code.
func Districts(stateCode string) []District {
	return slices.Clone(data().districts[stateCode])
}

// DistrictByCode returns the district with the LGD codes. (The function is
// not called District because that is the type's name.)
func DistrictByCode(stateCode, code string) (District, bool) {
	dist, ok := data().districtBy[stateCode+"/"+code]
	return dist, ok
}

// DistrictByName finds a district of a state by its LGD name, ignoring case,
// punctuation and the words "and"/"&" and "the".
func DistrictByName(stateCode, name string) (District, bool) {
	dist, ok := data().districtKey[stateCode+"/"+nameKey(name)]
	return dist, ok
}
