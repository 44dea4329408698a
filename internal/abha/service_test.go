package abha_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/notify"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// smsGateway stands in for the SMS gateway, which is outside our system.
type smsGateway struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (g *smsGateway) SendSMS(_ context.Context, m notify.Message) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, m)
	return nil
}

func (g *smsGateway) last(t *testing.T) notify.Message {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sent) == 0 {
		t.Fatal("no SMS sent")
	}
	return g.sent[len(g.sent)-1]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	keysOnce sync.Once
	keysDB   *sqldb.DB
	keys     *auth.Keys
	master   = make([]byte, 32)
)

type fixture struct {
	svc   *abha.Service
	db    *sqldb.DB
	sms   *smsGateway
	clock *clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := sqlite.OpenTest(t)
	keysOnce.Do(func() {
		// RSA key generation is slow: share one key set across tests.
		kdb, err := sqlite.Open(context.Background(), t.TempDir()+"/keys.db")
		if err != nil {
			t.Fatal(err)
		}
		keysDB = kdb
		if keys, err = auth.NewKeys(context.Background(), kdb, master, auth.KeysOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	f := &fixture{db: db, sms: &smsGateway{}, clock: &clock{t: time.Now().UTC()}}
	f.svc = f.node()
	return f
}

// node returns another service on the fixture's database, keys and clock:
// a second node of the same deployment.
func (f *fixture) node() *abha.Service {
	return abha.NewService(f.db, abha.NewSandboxKYC(), f.sms, audit.NewLog(f.db, f.clock.Now), keys, abha.Config{
		CMID: "sbx", Issuer: "http://test", Secret: master, Now: f.clock.Now,
		Argon: auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1},
	})
}

// aadhaar returns the i-th valid test Aadhaar number.
func aadhaar(i int) string {
	body := "3" + leftPad(strconv.Itoa(1234567+i*7919), 10)
	return body + strconv.Itoa(abha.VerhoeffDigit(body))
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func (f *fixture) enrol(t *testing.T, i int) *abha.EnrolResult {
	t.Helper()
	ctx := context.Background()
	txn, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(i))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.EnrolByAadhaar(ctx, txn, f.sms.last(t).OTP, "")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func code(err error) string { return arogya.ErrorCode(err) }

func TestEnrolByAadhaar(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res := f.enrol(t, 1)
	a := res.Account
	if !res.IsNew || !abha.LuhnValid(a.Number) || len(a.Number) != 14 || !a.KYCVerified || a.Status != abha.StatusActive {
		t.Fatalf("account %+v", a)
	}
	if a.Preferred != a.Number+"@sbx" {
		t.Fatalf("default address %q", a.Preferred)
	}
	kyc, _ := abha.NewSandboxKYC().Lookup(ctx, aadhaar(1))
	if a.Mobile != kyc.Mobile || a.StateCode != kyc.StateCode || a.BirthDate != kyc.DateOfBirth {
		t.Fatal("account does not carry the KYC identity")
	}
	if f.sms.last(t).To != kyc.Mobile {
		t.Fatal("Aadhaar OTP did not go to the Aadhaar-linked mobile")
	}
	// Same Aadhaar again: the same ABHA, never a second one.
	again := f.enrol(t, 1)
	if again.IsNew || again.Account.Number != a.Number {
		t.Fatalf("re-enrolment gave isNew=%v", again.IsNew)
	}
	if n, _ := f.db.CountAccounts(ctx); n != 1 {
		t.Fatalf("%d accounts, want 1", n)
	}
	if _, err := f.svc.Authenticate(ctx, res.Tokens.Token); err != nil {
		t.Fatalf("enrolment token: %v", err)
	}
}

func TestEnrolInputErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, aadhaar, want string
	}{
		{"short", "12345", arogya.EINVALID},
		{"bad check digit", aadhaar(2)[:11] + strconv.Itoa((int(aadhaar(2)[11]-'0')+1)%10), arogya.EINVALID},
		{"starts with 1", "1" + aadhaar(2)[1:], arogya.EINVALID},
		{"letters", "23412341234x", arogya.EINVALID},
	} {
		if _, _, err := f.svc.RequestAadhaarOTP(ctx, tc.aadhaar); code(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	if _, err := f.svc.EnrolByAadhaar(ctx, "no-such-txn", "123456", ""); code(err) != arogya.EINVALID {
		t.Errorf("unknown txn: %v", err)
	}
}

func TestOTPRules(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong OTP five times voids it", func(t *testing.T) {
		f := newFixture(t)
		txn, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(3))
		if err != nil {
			t.Fatal(err)
		}
		right := f.sms.last(t).OTP
		wrong := "000000"
		if wrong == right {
			wrong = "111111"
		}
		for i := 1; i <= abha.OTPMaxAttempts; i++ {
			_, err := f.svc.EnrolByAadhaar(ctx, txn, wrong, "")
			want := arogya.EUNAUTHORIZED
			if i == abha.OTPMaxAttempts {
				want = arogya.ETOOMANYREQUESTS
			}
			if code(err) != want {
				t.Fatalf("attempt %d: %v, want %s", i, err, want)
			}
		}
		if _, err := f.svc.EnrolByAadhaar(ctx, txn, right, ""); err == nil {
			t.Fatal("the right OTP worked after five wrong tries")
		}
	})
	t.Run("expires after 10 minutes", func(t *testing.T) {
		f := newFixture(t)
		txn, _, _ := f.svc.RequestAadhaarOTP(ctx, aadhaar(4))
		f.clock.Advance(abha.OTPTTL + time.Second)
		if _, err := f.svc.EnrolByAadhaar(ctx, txn, f.sms.last(t).OTP, ""); code(err) != arogya.EGONE {
			t.Fatalf("expired OTP: %v", err)
		}
	})
	t.Run("single use", func(t *testing.T) {
		f := newFixture(t)
		res := f.enrol(t, 5)
		txn, _, _ := f.svc.RequestLoginOTP(ctx, abha.HintABHANumber, res.Account.Number)
		otp := f.sms.last(t).OTP
		if _, err := f.svc.VerifyLoginOTP(ctx, txn, otp); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.VerifyLoginOTP(ctx, txn, otp); err == nil {
			t.Fatal("OTP accepted twice")
		}
	})
	t.Run("three sends per mobile per 15 minutes", func(t *testing.T) {
		f := newFixture(t)
		for i := 1; i <= 4; i++ {
			_, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(6))
			if i <= abha.OTPSendsPerWin && err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			if i > abha.OTPSendsPerWin && code(err) != arogya.ETOOMANYREQUESTS {
				t.Fatalf("send %d: %v, want too_many_requests", i, err)
			}
		}
		f.clock.Advance(abha.OTPSendWindow + time.Second)
		if _, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(6)); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestMobileDiffersFromKYC(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	txn, _, _ := f.svc.RequestAadhaarOTP(ctx, aadhaar(7))
	res, err := f.svc.EnrolByAadhaar(ctx, txn, f.sms.last(t).OTP, "9876501234")
	if err != nil {
		t.Fatal(err)
	}
	if res.MobileVerified || res.Account.Mobile == "9876501234" {
		t.Fatal("unverified mobile was linked")
	}
	if _, _, err := f.svc.RequestMobileOTP(ctx, txn, "9876501234"); err != nil {
		t.Fatal(err)
	}
	if m := f.sms.last(t); m.To != "9876501234" {
		t.Fatal("mobile OTP went elsewhere")
	}
	v, err := f.svc.VerifyMobileOTP(ctx, txn, f.sms.last(t).OTP)
	if err != nil || len(v.Accounts) != 1 {
		t.Fatalf("verify: %v", err)
	}
	a, _ := f.db.Account(ctx, res.Account.Number)
	if a.Mobile != "9876501234" {
		t.Fatal("verified mobile not linked")
	}
}

func TestDocumentEnrolmentAndDuplicates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := func(id, first, last string) abha.DocumentEnrolment {
		return abha.DocumentEnrolment{DocumentType: "DRIVING_LICENCE", DocumentID: id, FirstName: first, LastName: last,
			BirthDate: "1991-10-22", Gender: "M", Address: "12 MG Road", State: "Bihar", District: "Rohtas", PinCode: "821307"}
	}
	start := func(mobile string) string { return verifiedMobileTxn(t, f, mobile) }
	txn := start("9123456780")
	res, err := f.svc.EnrolByDocument(ctx, txn, doc("BR5720100099999", "Mohammed", "Shaikh"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.KYCVerified || res.Account.StateCode != "10" || res.Account.Mobile != "9123456780" {
		t.Fatalf("document account %+v", res.Account)
	}
	// Same person, another licence number, name spelt differently: held.
	txn2 := start("9123456781")
	_, err = f.svc.EnrolByDocument(ctx, txn2, doc("BR5720100088888", "Mohammad", "Sheikh"))
	if code(err) != arogya.ECONFLICT {
		t.Fatalf("probable duplicate: %v", err)
	}
	reviews, _ := f.svc.Reviews(ctx, abha.ReviewOpen)
	if len(reviews) != 1 || reviews[0].Matches[0] != res.Account.Number {
		t.Fatalf("reviews %+v", reviews)
	}
	// A different person with the same birth date: created.
	txn3 := start("9123456782")
	if _, err := f.svc.EnrolByDocument(ctx, txn3, doc("BR5720100077777", "Lakshmi", "Iyer")); err != nil {
		t.Fatalf("different person: %v", err)
	}
	// The operator decides the held one is a different person after all.
	r, err := f.svc.DecideReview(ctx, reviews[0].ID, "CREATE")
	if err != nil || r.Status != abha.ReviewCreated || r.Candidate.Number == "" {
		t.Fatalf("decide: %v %+v", err, r)
	}
	// Bad document inputs.
	for _, d := range []abha.DocumentEnrolment{
		{DocumentType: "PASSPORT"},
		func() abha.DocumentEnrolment { d := doc("BR1", "A", "B"); return d }(),
		func() abha.DocumentEnrolment { d := doc("BR5720100066666", "A", "B"); d.State = "Atlantis"; return d }(),
		func() abha.DocumentEnrolment {
			d := doc("BR5720100066666", "A", "B")
			d.BirthDate = "22-10-1991"
			return d
		}(),
	} {
		txn := start("9123456783")
		if _, err := f.svc.EnrolByDocument(ctx, txn, d); code(err) != arogya.EINVALID {
			t.Errorf("%+v: %v", d, err)
		}
		f.clock.Advance(abha.OTPSendWindow + time.Second)
	}
}

func TestLoginAndProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.enrol(t, 8).Account

	// Password login needs a password first.
	if _, err := f.svc.LoginPassword(ctx, abha.HintABHANumber, a.Number, "whatever-123"); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("no password set: %v", err)
	}
	pw := "s3cret-passw0rd"
	if _, err := f.svc.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.LoginPassword(ctx, abha.HintABHANumber, abha.FormatNumber(a.Number), pw); err != nil {
		t.Fatalf("password login: %v", err)
	}
	if _, err := f.svc.LoginPassword(ctx, abha.HintABHANumber, a.Number, "wrong-password"); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}

	// Address login and a custom address.
	full, err := f.svc.AddAddress(ctx, a.Number, "ravi.kumar_1990", true)
	if err != nil || full != "ravi.kumar_1990@sbx" {
		t.Fatalf("add address: %q %v", full, err)
	}
	if _, err := f.svc.AddAddress(ctx, a.Number, "ravi.kumar_1990", false); code(err) != arogya.ECONFLICT {
		t.Fatalf("taken address: %v", err)
	}
	txn, _, err := f.svc.RequestLoginOTP(ctx, abha.HintABHAAddress, full)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := f.svc.VerifyLoginOTP(ctx, txn, f.sms.last(t).OTP)
	if err != nil || lr.Choose {
		t.Fatalf("address login: %v", err)
	}
	n, err := f.svc.Authenticate(ctx, lr.Tokens.Token)
	if err != nil || n != a.Number {
		t.Fatalf("token: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, lr.Tokens.RefreshToken); err == nil {
		t.Fatal("a refresh token was accepted as an X-token")
	}

	// Tokens expire.
	f.clock.Advance(abha.TokenTTL + time.Minute)
	if _, err := f.svc.Authenticate(ctx, lr.Tokens.Token); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := f.svc.Refresh(ctx, lr.Tokens.RefreshToken); err != nil {
		t.Fatalf("refresh: %v", err)
	}

	// Changing the mobile needs an OTP on the new one.
	txn, _, err = f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionMobile, "9000000001")
	if err != nil || f.sms.last(t).To != "9000000001" {
		t.Fatalf("mobile change OTP: %v", err)
	}
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	p, _ := f.svc.Profile(ctx, a.Number)
	if p.Mobile != "9000000001" {
		t.Fatal("mobile not changed")
	}

	// Deactivate, then reactivate.
	txn, _, _ = f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionDeactivate, "")
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	email := "a@example.org"
	if _, err := f.svc.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Email: &email}); code(err) != arogya.EFORBIDDEN {
		t.Fatalf("update while deactivated: %v", err)
	}
	txn, _, _ = f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionReactivate, "")
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}

	// Card QR verifies, and stops verifying once the ABHA is deleted.
	card, err := f.svc.Card(ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.VerifyQR(ctx, card.QR)
	if err != nil || !v.Valid || v.Claims.Number != abha.FormatNumber(a.Number) {
		t.Fatalf("verify QR: %v %+v", err, v)
	}
	f.clock.Advance(abha.OTPSendWindow + time.Second) // the fourth OTP to this mobile in 15 minutes would be refused
	txn, _, err = f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionDelete, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.VerifyQR(ctx, card.QR); v.Valid {
		t.Fatal("deleted ABHA's card still valid")
	}
	if _, err := f.svc.Profile(ctx, a.Number); code(err) != arogya.ENOTFOUND {
		t.Fatalf("deleted profile: %v", err)
	}

	// Everything above is in an intact audit chain.
	res, err := audit.Verify(ctx, f.db)
	if err != nil || !res.Intact() || res.Checked < 8 {
		t.Fatalf("audit: %v %+v", err, res)
	}
}

func TestMobileWithSeveralABHAs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Two family members enrolled with the same mobile.
	var numbers []string
	for i := 10; i < 12; i++ {
		txn, _, _ := f.svc.RequestAadhaarOTP(ctx, aadhaar(i))
		f.svc.EnrolByAadhaar(ctx, txn, f.sms.last(t).OTP, "9811112222")
		f.svc.RequestMobileOTP(ctx, txn, "9811112222")
		if _, err := f.svc.VerifyMobileOTP(ctx, txn, f.sms.last(t).OTP); err != nil {
			t.Fatal(err)
		}
		tx, _ := f.db.Txn(ctx, txn)
		numbers = append(numbers, tx.Number)
		f.clock.Advance(abha.OTPSendWindow + time.Second)
	}
	txn, _, err := f.svc.RequestLoginOTP(ctx, abha.HintMobile, "+91 98111 12222")
	if err != nil {
		t.Fatal(err)
	}
	lr, err := f.svc.VerifyLoginOTP(ctx, txn, f.sms.last(t).OTP)
	if err != nil || !lr.Choose || len(lr.Accounts) != 2 {
		t.Fatalf("mobile login: %v %+v", err, lr)
	}
	if _, err := f.svc.Authenticate(ctx, lr.Tokens.Token); err == nil {
		t.Fatal("the choose token works as an X-token")
	}
	other := f.enrol(t, 20).Account.Number
	if _, err := f.svc.ChooseAccount(ctx, lr.Tokens.Token, txn, other); code(err) != arogya.EFORBIDDEN {
		t.Fatalf("choosing someone else's ABHA: %v", err)
	}
	done, err := f.svc.ChooseAccount(ctx, lr.Tokens.Token, txn, numbers[1])
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.svc.Authenticate(ctx, done.Tokens.Token); n != numbers[1] {
		t.Fatal("token for the wrong ABHA")
	}
}

func verifiedMobileTxn(t *testing.T, f *fixture, mobile string) string {
	t.Helper()
	ctx := context.Background()
	txn, _, err := f.svc.RequestMobileOTP(ctx, "", mobile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyMobileOTP(ctx, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	return txn
}

func licence(id, first, last string) abha.DocumentEnrolment {
	return abha.DocumentEnrolment{DocumentType: "DRIVING_LICENCE", DocumentID: id, FirstName: first, LastName: last,
		BirthDate: "1988-03-04", Gender: "F", Address: "4 Park Street", State: "West Bengal", District: "Kolkata", PinCode: "700016"}
}

// TestDocumentNumberIsNoKey: knowing someone's licence number and holding
// some mobile does not get into their ABHA.
func TestDocumentNumberIsNoKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner, err := f.svc.EnrolByDocument(ctx, verifiedMobileTxn(t, f, "9830000001"), licence("WB0120200012345", "Priya", "Sen"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.EnrolByDocument(ctx, verifiedMobileTxn(t, f, "9830000002"), licence("WB0120200012345", "X", "Y"))
	if code(err) != arogya.ECONFLICT || res != nil {
		t.Fatalf("someone else's mobile with the licence: %v %+v", err, res)
	}
	// The owner, with the ABHA's own mobile, gets their existing ABHA back.
	again, err := f.svc.EnrolByDocument(ctx, verifiedMobileTxn(t, f, "9830000001"), licence("WB0120200012345", "Priya", "Sen"))
	if err != nil || again.IsNew || again.Account.Number != owner.Account.Number {
		t.Fatalf("owner re-enrolment: %v", err)
	}
}

// TestHeldEnrolmentUsesUpTheFlow: a probable duplicate is held once per
// verified mobile, and the message names no other ABHA.
func TestHeldEnrolmentUsesUpTheFlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, err := f.svc.EnrolByDocument(ctx, verifiedMobileTxn(t, f, "9830000011"), licence("WB0120200054321", "Mohammed", "Shaikh"))
	if err != nil {
		t.Fatal(err)
	}
	txn := verifiedMobileTxn(t, f, "9830000012")
	_, err = f.svc.EnrolByDocument(ctx, txn, licence("WB0120200099999", "Mohammad", "Sheikh"))
	if code(err) != arogya.ECONFLICT {
		t.Fatalf("probable duplicate: %v", err)
	}
	n := first.Account.Number
	for _, part := range []string{n[len(n)-4:], n[:4], abha.FormatNumber(n)} {
		if strings.Contains(arogya.ErrorMessage(err), part) {
			t.Fatalf("message names the other ABHA: %q", arogya.ErrorMessage(err))
		}
	}
	if _, err := f.svc.EnrolByDocument(ctx, txn, licence("WB0120200077777", "Mohamad", "Shaik")); code(err) != arogya.EINVALID {
		t.Fatalf("second try on a held flow: %v", err)
	}
}

func TestDeletedABHACannotBeReEnrolled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.enrol(t, 30).Account
	txn, _, _ := f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionDelete, "")
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	txn, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(30))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.EnrolByAadhaar(ctx, txn, f.sms.last(t).OTP, "")
	if code(err) != arogya.EGONE || res != nil {
		t.Fatalf("re-enrolment of a deleted ABHA: %v %+v", err, res)
	}
}

func TestFlowsHoldNoAadhaarNumber(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	txn, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(31))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.db.Txn(ctx, txn)
	if err != nil {
		t.Fatal(err)
	}
	if stored.KYC == nil || stored.KYC.Aadhaar != "" || stored.KYC.Name == "" {
		t.Fatalf("stored KYC %+v", stored.KYC)
	}
}

// TestOTPGuessesAcrossNodes: two nodes on one database, guesses sent to
// both at once: every guess is counted, and after five the OTP is void.
func TestOTPGuessesAcrossNodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := f.node()
	txn, _, err := f.svc.RequestAadhaarOTP(ctx, aadhaar(32))
	if err != nil {
		t.Fatal(err)
	}
	right := f.sms.last(t).OTP
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range 12 {
		svc := f.svc
		if i%2 == 1 {
			svc = other
		}
		wg.Go(func() {
			_, err := svc.EnrolByAadhaar(ctx, txn, wrong, "")
			mu.Lock()
			codes[code(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	// Four "incorrect, N left", the fifth voids the OTP, and the rest find
	// no OTP pending.
	if codes[arogya.EUNAUTHORIZED] != abha.OTPMaxAttempts-1 || codes[arogya.ETOOMANYREQUESTS] != 1 ||
		codes[arogya.EINVALID] != 12-abha.OTPMaxAttempts {
		t.Fatalf("outcomes %v: want %d incorrect, 1 too many, %d with no OTP pending", codes, abha.OTPMaxAttempts-1, 12-abha.OTPMaxAttempts)
	}
	if _, err := other.EnrolByAadhaar(ctx, txn, right, ""); err == nil {
		t.Fatal("the right OTP worked after five wrong guesses")
	}
}

// TestOTPAcceptedOnceAcrossNodes: the right OTP sent to two nodes at once
// verifies once.
func TestOTPAcceptedOnceAcrossNodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := f.node()
	a := f.enrol(t, 33).Account
	txn, _, err := f.svc.RequestLoginOTP(ctx, abha.HintABHANumber, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	otp := f.sms.last(t).OTP
	var wg sync.WaitGroup
	var ok atomic.Int32
	for _, svc := range []*abha.Service{f.svc, other, f.svc, other} {
		wg.Go(func() {
			if _, err := svc.VerifyLoginOTP(ctx, txn, otp); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("OTP accepted %d times", ok.Load())
	}
}

func TestCardsOnlyForActiveABHAs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res := f.enrol(t, 34)
	a := res.Account
	card, err := f.svc.Card(ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	// A token this node signed is not a card, though it verifies.
	if v, err := f.svc.VerifyQR(ctx, res.Tokens.Token); err != nil || v.Valid {
		t.Fatalf("an X-token passed as a card: %v %+v", err, v)
	}
	txn, _, _ := f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionDeactivate, "")
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Card(ctx, a.Number); code(err) != arogya.EFORBIDDEN {
		t.Fatalf("card of a deactivated ABHA: %v", err)
	}
	if v, _ := f.svc.VerifyQR(ctx, card.QR); v.Valid || v.Status != abha.StatusDeactivated {
		t.Fatalf("deactivated ABHA's card: %+v", v)
	}
}

func TestChangingAPasswordNeedsTheCurrentOne(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.enrol(t, 35).Account
	first, second, wrong := "first-passw0rd", "second-passw0rd", "not-the-one"
	if _, err := f.svc.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Password: &first}); err != nil {
		t.Fatalf("setting a first password: %v", err)
	}
	for _, cur := range []*string{nil, &wrong} {
		if _, err := f.svc.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Password: &second, CurrentPassword: cur}); code(err) != arogya.EUNAUTHORIZED {
			t.Fatalf("change with current %v: %v", cur, err)
		}
	}
	if _, err := f.svc.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Password: &second, CurrentPassword: &first}); err != nil {
		t.Fatalf("change with the current password: %v", err)
	}
	if _, err := f.svc.LoginPassword(ctx, abha.HintABHANumber, a.Number, second); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

// TestRevokedSessions: logging out, changing the mobile and deleting the
// ABHA end every earlier session, refresh tokens included.
func TestRevokedSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res := f.enrol(t, 36)
	a := res.Account
	if _, err := f.svc.Authenticate(ctx, res.Tokens.Token); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, a.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, res.Tokens.Token); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("token after logout: %v", err)
	}
	if _, err := f.svc.Refresh(ctx, res.Tokens.RefreshToken); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("refresh after logout: %v", err)
	}
	// A new login works, until the mobile changes.
	txn, _, _ := f.svc.RequestLoginOTP(ctx, abha.HintABHANumber, a.Number)
	lr, err := f.svc.VerifyLoginOTP(ctx, txn, f.sms.last(t).OTP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, lr.Tokens.Token); err != nil {
		t.Fatalf("new session: %v", err)
	}
	txn, _, _ = f.svc.RequestProfileOTP(ctx, a.Number, abha.ActionMobile, "9000000036")
	if _, err := f.svc.VerifyProfileOTP(ctx, a.Number, txn, f.sms.last(t).OTP); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, lr.Tokens.Token); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("token after a mobile change: %v", err)
	}
	// Another node learns of a revocation within VersionCacheTTL.
	other := f.node()
	f.clock.Advance(abha.OTPSendWindow + time.Second)
	txn, _, _ = f.svc.RequestLoginOTP(ctx, abha.HintABHANumber, a.Number)
	lr, _ = f.svc.VerifyLoginOTP(ctx, txn, f.sms.last(t).OTP)
	if _, err := other.Authenticate(ctx, lr.Tokens.Token); err != nil {
		t.Fatalf("other node: %v", err)
	}
	if err := f.svc.Logout(ctx, a.Number); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(abha.VersionCacheTTL)
	if _, err := other.Authenticate(ctx, lr.Tokens.Token); code(err) != arogya.EUNAUTHORIZED {
		t.Fatalf("other node after logout: %v", err)
	}
}
