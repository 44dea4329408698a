package abha

import (
	"strings"
)

// Wire shapes of ABDM's ABHA v3 API (abha_enrollment_api.yml and the v3
// profile/login paths). Field names follow ABDM exactly.

type otpAuth struct {
	TimeStamp string `json:"timeStamp,omitempty"`
	TxnID     string `json:"txnId"`
	OTPValue  string `json:"otpValue"`
	Mobile    string `json:"mobile,omitempty"`
}

type passwordAuth struct {
	ABHANumber  string `json:"ABHANumber,omitempty"`
	ABHAAddress string `json:"abhaAddress,omitempty"`
	Password    string `json:"password"`
}

type authData struct {
	AuthMethods []string      `json:"authMethods"`
	OTP         *otpAuth      `json:"otp,omitempty"`
	Password    *passwordAuth `json:"password,omitempty"`
}

type consent struct {
	Code    string `json:"code"`
	Version string `json:"version"`
}

// v3Request covers every v3 request body with scope/login/auth data.
type v3Request struct {
	TxnID     string    `json:"txnId,omitempty"`
	Scope     []string  `json:"scope"`
	LoginHint string    `json:"loginHint,omitempty"`
	LoginID   string    `json:"loginId,omitempty"`
	OTPSystem string    `json:"otpSystem,omitempty"`
	AuthData  *authData `json:"authData,omitempty"`
	Consent   *consent  `json:"consent,omitempty"`
}

func (r *v3Request) has(scope string) bool {
	for _, s := range r.Scope {
		if strings.EqualFold(s, scope) {
			return true
		}
	}
	return false
}

type documentRequest struct {
	TxnID          string   `json:"txnId"`
	DocumentType   string   `json:"documentType"`
	DocumentID     string   `json:"documentId"`
	FirstName      string   `json:"firstName"`
	MiddleName     string   `json:"middleName"`
	LastName       string   `json:"lastName"`
	DOB            string   `json:"dob"`
	Gender         string   `json:"gender"`
	FrontSidePhoto string   `json:"frontSidePhoto"`
	BackSidePhoto  string   `json:"backSidePhoto"`
	Address        string   `json:"address"`
	State          string   `json:"state"`
	District       string   `json:"district"`
	PinCode        string   `json:"pinCode"`
	Consent        *consent `json:"consent"`
}

type addressRequest struct {
	TxnID       string `json:"txnId"`
	ABHAAddress string `json:"abhaAddress"`
	Preferred   int    `json:"preferred"`
}

type txnResponse struct {
	TxnID      string   `json:"txnId"`
	Message    string   `json:"message,omitempty"`
	AuthResult string   `json:"authResult,omitempty"`
	Accounts   []acctNo `json:"accounts,omitempty"`
}

type acctNo struct {
	ABHANumber string `json:"ABHANumber"`
}

type tokensJSON struct {
	// ABDM's live service uses the camelCase names; the published YAML shows
	// id_token/expires_in/refresh_token. Both are sent.
	Token            string `json:"token"`
	ExpiresIn        int    `json:"expiresIn"`
	RefreshToken     string `json:"refreshToken,omitempty"`
	RefreshExpiresIn int    `json:"refreshExpiresIn,omitempty"`
	IDToken          string `json:"id_token"`
	ExpiresInSnake   int    `json:"expires_in"`
	RefreshSnake     string `json:"refresh_token,omitempty"`
}

func tokensOf(t Tokens) tokensJSON {
	return tokensJSON{Token: t.Token, ExpiresIn: t.ExpiresIn, RefreshToken: t.RefreshToken, RefreshExpiresIn: t.RefreshExpiresIn,
		IDToken: t.Token, ExpiresInSnake: t.ExpiresIn, RefreshSnake: t.RefreshToken}
}

// abhaProfile is the ABHAProfile object of the enrolment responses.
type abhaProfile struct {
	FirstName    string   `json:"firstName"`
	MiddleName   string   `json:"middleName"`
	LastName     string   `json:"lastName"`
	DOB          string   `json:"dob"` // DD-MM-YYYY as ABDM sends it
	Gender       string   `json:"gender"`
	Photo        string   `json:"photo"`
	Mobile       string   `json:"mobile"`
	Email        *string  `json:"email"`
	PHRAddress   []string `json:"phrAddress"`
	Address      string   `json:"address"`
	DistrictCode string   `json:"districtCode"`
	StateCode    string   `json:"stateCode"`
	PinCode      string   `json:"pinCode"`
	ABHAType     string   `json:"abhaType"`
	StateName    string   `json:"stateName"`
	DistrictName string   `json:"districtName"`
	ABHANumber   string   `json:"ABHANumber"`
	ABHAStatus   string   `json:"abhaStatus"`
}

func ddmmyyyy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "-" + iso[5:7] + "-" + iso[0:4]
}

func profileOf(a *Account) abhaProfile {
	var email *string
	if a.Email != "" {
		e := a.Email
		email = &e
	}
	addrs := a.Addresses
	if addrs == nil {
		addrs = []string{}
	}
	return abhaProfile{FirstName: a.FirstName, MiddleName: a.MiddleName, LastName: a.LastName, DOB: ddmmyyyy(a.BirthDate),
		Gender: a.Gender, Mobile: a.Mobile, Email: email, PHRAddress: addrs, Address: a.AddressLine,
		DistrictCode: a.DistrictCode, StateCode: a.StateCode, PinCode: a.PinCode, ABHAType: a.Type,
		StateName: StateName(a.StateCode), DistrictName: DistrictName(a.StateCode, a.DistrictCode),
		ABHANumber: FormatNumber(a.Number), ABHAStatus: a.Status}
}

type enrolResponse struct {
	Message     string      `json:"message"`
	TxnID       string      `json:"txnId"`
	Tokens      tokensJSON  `json:"tokens"`
	ABHAProfile abhaProfile `json:"ABHAProfile"`
	IsNew       bool        `json:"isNew"`
	// MobileVerified is false when the given mobile still needs its OTP.
	MobileVerified bool `json:"mobileVerified"`
}

type enrolProfile struct {
	EnrolmentNumber string   `json:"enrolmentNumber"`
	EnrolmentState  string   `json:"enrolmentState"`
	FirstName       string   `json:"firstName"`
	MiddleName      string   `json:"middleName"`
	LastName        string   `json:"lastName"`
	DOB             string   `json:"dob"`
	Gender          string   `json:"gender"`
	Mobile          string   `json:"mobile"`
	Email           *string  `json:"email"`
	Address         string   `json:"address"`
	DistrictCode    string   `json:"districtCode"`
	District        string   `json:"district"`
	StateCode       string   `json:"stateCode"`
	State           string   `json:"state"`
	ABHAType        string   `json:"abhaType"`
	PinCode         string   `json:"pinCode"`
	ABHAStatus      string   `json:"abhaStatus"`
	PHRAddress      []string `json:"phrAddress"`
}

type documentResponse struct {
	Message       string       `json:"message"`
	TxnID         string       `json:"txnId"`
	EnrolProfile  enrolProfile `json:"enrolProfile"`
	EnrolProfileC enrolProfile `json:"EnrolProfile"`
	Tokens        tokensJSON   `json:"tokens"`
	IsNew         bool         `json:"isNew"`
}

// accountJSON is the body of GET /v3/profile/account.
type accountJSON struct {
	ABHANumber           string   `json:"ABHANumber"`
	PreferredABHAAddress string   `json:"preferredAbhaAddress"`
	Mobile               string   `json:"mobile"`
	Name                 string   `json:"name"`
	FirstName            string   `json:"firstName"`
	MiddleName           string   `json:"middleName"`
	LastName             string   `json:"lastName"`
	YearOfBirth          string   `json:"yearOfBirth"`
	MonthOfBirth         string   `json:"monthOfBirth"`
	DayOfBirth           string   `json:"dayOfBirth"`
	DOB                  string   `json:"dob"`
	Gender               string   `json:"gender"`
	Email                *string  `json:"email"`
	Address              string   `json:"address"`
	StateCode            string   `json:"stateCode"`
	StateName            string   `json:"stateName"`
	DistrictCode         string   `json:"districtCode"`
	DistrictName         string   `json:"districtName"`
	PinCode              string   `json:"pincode"`
	KYCVerified          bool     `json:"kycVerified"`
	ABHAType             string   `json:"abhaType"`
	ABHAStatus           string   `json:"abhaStatus"`
	Status               string   `json:"status"`
	AuthMethods          []string `json:"authMethods"`
	PHRAddress           []string `json:"phrAddress"`
}

func accountOf(a *Account) accountJSON {
	var email *string
	if a.Email != "" {
		e := a.Email
		email = &e
	}
	var y, m, d string
	if len(a.BirthDate) == 10 {
		y, m, d = a.BirthDate[:4], a.BirthDate[5:7], a.BirthDate[8:10]
	}
	methods := []string{}
	if a.Mobile != "" {
		methods = append(methods, "MOBILE_OTP")
	}
	if a.KYCVerified {
		methods = append(methods, "AADHAAR_OTP")
	}
	if a.PasswordHash != "" {
		methods = append(methods, "PASSWORD")
	}
	addrs := a.Addresses
	if addrs == nil {
		addrs = []string{}
	}
	return accountJSON{ABHANumber: FormatNumber(a.Number), PreferredABHAAddress: a.Preferred, Mobile: a.Mobile,
		Name: a.FullName(), FirstName: a.FirstName, MiddleName: a.MiddleName, LastName: a.LastName,
		YearOfBirth: y, MonthOfBirth: m, DayOfBirth: d, DOB: ddmmyyyy(a.BirthDate), Gender: a.Gender, Email: email,
		Address: a.AddressLine, StateCode: a.StateCode, StateName: StateName(a.StateCode),
		DistrictCode: a.DistrictCode, DistrictName: DistrictName(a.StateCode, a.DistrictCode), PinCode: a.PinCode,
		KYCVerified: a.KYCVerified, ABHAType: a.Type, ABHAStatus: a.Status, Status: a.Status,
		AuthMethods: methods, PHRAddress: addrs}
}

type loginAccount struct {
	ABHANumber           string `json:"ABHANumber"`
	PreferredABHAAddress string `json:"preferredAbhaAddress"`
	Name                 string `json:"name"`
	Gender               string `json:"gender"`
	DOB                  string `json:"dob"`
	Status               string `json:"status"`
	KYCVerified          bool   `json:"kycVerified"`
}

type loginResponse struct {
	TxnID            string         `json:"txnId"`
	AuthResult       string         `json:"authResult"`
	Message          string         `json:"message"`
	Token            string         `json:"token"`
	ExpiresIn        int            `json:"expiresIn"`
	RefreshToken     string         `json:"refreshToken,omitempty"`
	RefreshExpiresIn int            `json:"refreshExpiresIn,omitempty"`
	Accounts         []loginAccount `json:"accounts"`
}

func loginOf(r *LoginResult, msg string) loginResponse {
	out := loginResponse{TxnID: r.TxnID, AuthResult: "success", Message: msg, Token: r.Tokens.Token,
		ExpiresIn: r.Tokens.ExpiresIn, RefreshToken: r.Tokens.RefreshToken, RefreshExpiresIn: r.Tokens.RefreshExpiresIn,
		Accounts: []loginAccount{}}
	for _, a := range r.Accounts {
		out.Accounts = append(out.Accounts, loginAccount{ABHANumber: FormatNumber(a.Number), PreferredABHAAddress: a.Preferred,
			Name: a.FullName(), Gender: a.Gender, DOB: ddmmyyyy(a.BirthDate), Status: a.Status, KYCVerified: a.KYCVerified})
	}
	return out
}

type profileUpdateRequest struct {
	Email       *string `json:"email"`
	Address     *string `json:"address"`
	PinCode     *string `json:"pinCode"`
	Password    *string `json:"password"`        // RSA-OAEP encrypted, as other secrets
	Current     *string `json:"currentPassword"` // RSA-OAEP encrypted; needed to change an existing password
	Preferred   *string `json:"preferredAbhaAddress"`
	Mobile      *string `json:"mobile"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
	DateOfBirth *string `json:"dob"`
}
