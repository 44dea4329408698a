package staff_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/registryapi"
	"github.com/arogya-health/arogya/internal/staff"
)

const (
	facility = "IN2810000001"
	other    = "IN2810000002" // served, but the doctor does not work there
	doctor   = "71234567890123"
	nurse    = "71234567890124" // works there, but the registry has not verified her
)

var cheapArgon = auth.ArgonParams{Time: 1, MemoryKiB: 1024, Threads: 1}

// memStore is a Store in memory, with the storage's answers: ECONFLICT
// for an account twice, ENOTFOUND for a missing one.
type memStore struct {
	mu   sync.Mutex
	accs []*staff.Account
}

func (m *memStore) find(fid, hpr string) *staff.Account {
	i := slices.IndexFunc(m.accs, func(a *staff.Account) bool { return a.FacilityID == fid && a.HPRID == hpr })
	if i < 0 {
		return nil
	}
	return m.accs[i]
}

func (m *memStore) AddAccount(_ context.Context, a *staff.Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.find(a.FacilityID, a.HPRID) != nil {
		return arogya.Errorf(arogya.ECONFLICT, "exists")
	}
	c := *a
	m.accs = append(m.accs, &c)
	return nil
}

func (m *memStore) Account(_ context.Context, fid, hpr string) (*staff.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.find(fid, hpr); a != nil {
		c := *a
		return &c, nil
	}
	return nil, arogya.Errorf(arogya.ENOTFOUND, "no such account")
}

func (m *memStore) SetAccountPassword(_ context.Context, fid, hpr, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.find(fid, hpr)
	if a == nil {
		return arogya.Errorf(arogya.ENOTFOUND, "no such account")
	}
	a.PasswordHash, a.MustChange = hash, false
	return nil
}

func (m *memStore) DisableAccount(_ context.Context, fid, hpr string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.find(fid, hpr)
	if a == nil {
		return arogya.Errorf(arogya.ENOTFOUND, "no such account")
	}
	if a.DisabledAt.IsZero() {
		a.DisabledAt = at
	}
	return nil
}

func (m *memStore) Accounts(_ context.Context, fid string) ([]*staff.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*staff.Account
	for _, a := range m.accs {
		if a.FacilityID == fid {
			c := *a
			out = append(out, &c)
		}
	}
	return out, nil
}

// registry lists the doctor, verified, at facility, and the nurse there
// unverified.
type registry struct{}

func (registry) Professional(_ context.Context, id string) (*registryapi.Professional, error) {
	switch id {
	case doctor:
		return &registryapi.Professional{ID: id, Name: "Dr. Meera Rao", Facilities: []string{strings.ToLower(facility)}, Verified: true}, nil
	case nurse:
		return &registryapi.Professional{ID: id, Name: "Asha", Facilities: []string{facility}}, nil
	}
	return nil, arogya.Errorf(arogya.ENOTFOUND, "no such professional")
}

// auditLog keeps the events recorded.
type auditLog struct {
	mu     sync.Mutex
	events []audit.Event
}

func (l *auditLog) Record(_ context.Context, e audit.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	return nil
}

func (l *auditLog) actions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Action+" "+e.Actor+" "+e.Subject+" "+e.Outcome+" "+e.Detail)
	}
	return out
}

// roles are the two configurations the accounts are used in.
var roles = []struct{ role, prefix string }{{"hip", "st1."}, {"hiu", "hu1."}}

// env is one role's accounts over memory, with a clock the test moves.
type env struct {
	acc   *staff.Accounts
	store *memStore
	log   *auditLog
	now   time.Time
}

func newEnv(t *testing.T, role, prefix string, pros staff.Professionals) *env {
	t.Helper()
	e := &env{store: &memStore{}, log: &auditLog{}, now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	e.acc = staff.New(staff.Config{Role: role, TokenPrefix: prefix, TokenKey: bytes.Repeat([]byte{9}, 32), Store: e.store,
		Professionals: pros, Audit: e.log, Argon: cheapArgon, Now: func() time.Time { return e.now },
		ActorOf: func(context.Context) string { return "operator" },
		Facility: func(_ context.Context, id string) (string, error) {
			if id = staff.NormalFacility(id); id == facility || id == other {
				return id, nil
			}
			return "", arogya.Errorf(arogya.ENOTFOUND, "this node does not serve that facility")
		}})
	return e
}

// add gives the doctor an account and returns its one-time password.
func (e *env) add(t *testing.T) string {
	t.Helper()
	_, pw, err := e.acc.Add(context.Background(), facility, doctor)
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

func code(err error) string { return arogya.ErrorCode(err) }

// TestAdd: only a verified professional of a facility the role serves
// gets an account, once, with a one-time password.
func TestAdd(t *testing.T) {
	for _, r := range roles {
		for _, tt := range []struct {
			name, facility, hpr string
			pros                staff.Professionals
			want                string
		}{
			{"works there", " " + strings.ToLower(facility) + " ", "71-2345-6789-0123", registry{}, ""},
			{"not a facility served", "IN2899999999", doctor, registry{}, arogya.ENOTFOUND},
			{"not an HPR number", facility, "7123456789012x", registry{}, arogya.EINVALID},
			{"too short", facility, "7123", registry{}, arogya.EINVALID},
			{"works elsewhere", other, doctor, registry{}, arogya.EUNPROCESSABLE},
			{"not verified", facility, nurse, registry{}, arogya.EUNPROCESSABLE},
			{"not in the registry", facility, "72345678901234", registry{}, arogya.ENOTFOUND},
			{"no registry", facility, doctor, nil, arogya.EUNAVAILABLE},
		} {
			e := newEnv(t, r.role, r.prefix, tt.pros)
			st, pw, err := e.acc.Add(context.Background(), tt.facility, tt.hpr)
			if code(err) != tt.want {
				t.Errorf("%s %s: %v, want %q", r.role, tt.name, err, tt.want)
				continue
			}
			if err != nil {
				continue
			}
			if st.FacilityID != facility || st.HPRID != doctor || st.Name != "Dr. Meera Rao" || !st.MustChange || len(pw) != 16 {
				t.Errorf("%s %s: %+v, password %q", r.role, tt.name, st, pw)
			}
			if ok, _ := auth.CheckPassword(st.PasswordHash, pw); !ok {
				t.Errorf("%s: the hash is not of the password returned", r.role)
			}
			if _, _, err := e.acc.Add(context.Background(), facility, doctor); code(err) != arogya.ECONFLICT {
				t.Errorf("%s: the same account again: %v", r.role, err)
			}
			if got, want := e.log.actions(), []string{r.role + ".staff.add operator facility:" + facility + " ok hpr:" + doctor}; !slices.Equal(got, want) {
				t.Errorf("%s: audit %q, want %q", r.role, got, want)
			}
		}
	}
}

// TestSignIn: the one-time password only sets the holder's own; the own
// one signs in to a token of the role for the account, for a shift.
func TestSignIn(t *testing.T) {
	ctx := context.Background()
	for _, r := range roles {
		e := newEnv(t, r.role, r.prefix, registry{})
		pw := e.add(t)
		if _, _, err := e.acc.SignIn(ctx, facility, doctor, pw); code(err) != arogya.EFORBIDDEN {
			t.Fatalf("%s: the one-time password: %v, want %s", r.role, err, arogya.EFORBIDDEN)
		}
		for _, tt := range []struct{ name, old, next, want string }{
			{"too short", pw, "short", arogya.EINVALID},
			{"too long", pw, strings.Repeat("x", 129), arogya.EINVALID},
			{"wrong current", "not it", "a long passphrase", arogya.EUNAUTHORIZED},
			{"ten runes of Devanagari", pw, "पासवर्डपासवर्ड", ""},
			{"the one-time one, replaced", pw, "a long passphrase", arogya.EUNAUTHORIZED},
			{"the own one", "पासवर्डपासवर्ड", "a long passphrase", ""},
		} {
			if err := e.acc.ChangePassword(ctx, strings.ToLower(facility), doctor, tt.old, tt.next); code(err) != tt.want {
				t.Errorf("%s: change password, %s: %v, want %q", r.role, tt.name, err, tt.want)
			}
		}
		tok, exp, err := e.acc.SignIn(ctx, facility, "7123-4567-8901-23", "a long passphrase")
		if err != nil || !strings.HasPrefix(tok, r.prefix) || !exp.Equal(e.now.Add(staff.TokenTTL)) {
			t.Fatalf("%s: sign in: %q %v %v", r.role, tok, exp, err)
		}
		if fid, hpr, ok := e.acc.CheckToken(tok); !ok || fid != facility || hpr != doctor {
			t.Errorf("%s: the token reads %q %q %v", r.role, fid, hpr, ok)
		}
		for _, o := range roles {
			if o.role != r.role {
				if _, _, ok := newEnv(t, o.role, o.prefix, registry{}).acc.CheckToken(tok); ok {
					t.Errorf("the %s accounts took a %s token", o.role, r.role)
				}
			}
		}
		e.now = exp
		if _, _, ok := e.acc.CheckToken(tok); ok {
			t.Errorf("%s: a token at its expiry was accepted", r.role)
		}
		add := r.role + ".staff.add operator facility:" + facility + " ok hpr:" + doctor
		failed := r.role + ".staff.signin staff:" + doctor + " facility:" + facility + " " + arogya.EUNAUTHORIZED + " "
		changed := r.role + ".staff.password staff:" + doctor + " facility:" + facility + " ok "
		signedIn := r.role + ".staff.signin staff:" + doctor + " facility:" + facility + " ok "
		// The one-time password's sign-in is refused before any event;
		// a wrong current password is a failed sign-in.
		want := []string{add, failed, changed, failed, changed, signedIn}
		got := e.log.actions()
		if !slices.Equal(got, want) {
			t.Errorf("%s: audit\n%q, want\n%q", r.role, got, want)
		}
	}
}

// TestLockout: 10 failed sign-ins of an account in 15 minutes, to an
// account that exists or not, refuse the 11th whatever its password,
// until the window ends; other accounts are not affected.
func TestLockout(t *testing.T) {
	ctx := context.Background()
	for _, r := range roles {
		for _, hpr := range []string{doctor, "72345678901234"} {
			e := newEnv(t, r.role, r.prefix, registry{})
			pw := e.add(t)
			if err := e.acc.ChangePassword(ctx, facility, doctor, pw, "a long passphrase"); err != nil {
				t.Fatal(err)
			}
			for i := range 10 {
				if _, _, err := e.acc.SignIn(ctx, facility, hpr, "guess"); code(err) != arogya.EUNAUTHORIZED {
					t.Fatalf("%s %s: failure %d: %v", r.role, hpr, i+1, err)
				}
			}
			if _, _, err := e.acc.SignIn(ctx, strings.ToLower(facility), hpr, "a long passphrase"); code(err) != arogya.ETOOMANYREQUESTS {
				t.Errorf("%s %s: the 11th: %v, want %s", r.role, hpr, err, arogya.ETOOMANYREQUESTS)
			}
			if err := e.acc.ChangePassword(ctx, facility, hpr, "a long passphrase", "another passphrase"); code(err) != arogya.ETOOMANYREQUESTS {
				t.Errorf("%s %s: changing the password when locked: %v", r.role, hpr, err)
			}
			if hpr != doctor {
				if _, _, err := e.acc.SignIn(ctx, facility, doctor, "a long passphrase"); err != nil {
					t.Errorf("%s: another account locked too: %v", r.role, err)
				}
			}
			e.now = e.now.Add(15 * time.Minute)
			if _, _, err := e.acc.SignIn(ctx, facility, hpr, "guess"); code(err) != arogya.EUNAUTHORIZED {
				t.Errorf("%s %s: after the window: %v", r.role, hpr, err)
			}
		}
	}
}

// TestDisable: a disabled account is not active and no longer signs in;
// the operator's list shows it, without password hashes.
func TestDisable(t *testing.T) {
	ctx := context.Background()
	for _, r := range roles {
		e := newEnv(t, r.role, r.prefix, registry{})
		pw := e.add(t)
		if err := e.acc.ChangePassword(ctx, facility, doctor, pw, "a long passphrase"); err != nil {
			t.Fatal(err)
		}
		if !e.acc.Active(ctx, facility, doctor) || e.acc.Active(ctx, facility, nurse) {
			t.Errorf("%s: active before: the doctor's, not the nurse's", r.role)
		}
		if err := e.acc.Disable(ctx, strings.ToLower(facility), "71 2345 6789 0123"); err != nil {
			t.Fatal(err)
		}
		if err := e.acc.Disable(ctx, facility, nurse); code(err) != arogya.ENOTFOUND {
			t.Errorf("%s: disabling a missing account: %v", r.role, err)
		}
		if e.acc.Active(ctx, facility, doctor) {
			t.Errorf("%s: a disabled account is active", r.role)
		}
		if _, _, err := e.acc.SignIn(ctx, facility, doctor, "a long passphrase"); code(err) != arogya.EUNAUTHORIZED {
			t.Errorf("%s: a disabled account signing in: %v", r.role, err)
		}
		list, err := e.acc.List(ctx, strings.ToLower(facility))
		if err != nil || len(list) != 1 || list[0].PasswordHash != "" || !list[0].DisabledAt.Equal(e.now) {
			t.Errorf("%s: list %+v %v", r.role, list, err)
		}
		if _, err := e.acc.List(ctx, "IN2899999999"); code(err) != arogya.ENOTFOUND {
			t.Errorf("%s: the list of a facility not served: %v", r.role, err)
		}
		if got := e.log.actions(); !slices.Contains(got, r.role+".staff.disable operator facility:"+facility+" ok hpr:"+doctor) {
			t.Errorf("%s: audit %q", r.role, got)
		}
	}
}

// TestNotEnabled: a nil *Accounts, a node without the role's accounts,
// refuses everything and accepts no token.
func TestNotEnabled(t *testing.T) {
	ctx := context.Background()
	var a *staff.Accounts
	tok := newEnv(t, "hip", "st1.", registry{}).acc.Sign(facility, doctor, time.Now().Add(time.Hour))
	for name, err := range map[string]error{
		"Add":            func() error { _, _, err := a.Add(ctx, facility, doctor); return err }(),
		"SignIn":         func() error { _, _, err := a.SignIn(ctx, facility, doctor, "x"); return err }(),
		"Disable":        a.Disable(ctx, facility, doctor),
		"List":           func() error { _, err := a.List(ctx, facility); return err }(),
		"ChangePassword": a.ChangePassword(ctx, facility, doctor, "x", "a long passphrase"),
	} {
		if err != staff.ErrNotEnabled {
			t.Errorf("%s: %v, want %v", name, err, staff.ErrNotEnabled)
		}
	}
	if a.Active(ctx, facility, doctor) {
		t.Error("Active")
	}
	if _, _, ok := a.CheckToken(tok); ok {
		t.Error("CheckToken")
	}
}

// TestDefaultArgon: accounts whose Argon parameters are left zero (as
// serve leaves them) hash at the default cost, not with a hash that
// always fails.
func TestDefaultArgon(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "hip", "st1.", registry{})
	e.acc = staff.New(staff.Config{Role: "hip", TokenPrefix: "st1.", TokenKey: []byte("k"), Store: e.store, Professionals: registry{},
		Audit: e.log, Now: time.Now, ActorOf: func(context.Context) string { return "operator" },
		Facility: func(context.Context, string) (string, error) { return facility, nil }})
	pw := e.add(t)
	if err := e.acc.ChangePassword(ctx, facility, doctor, pw, "a password of my own"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, _, err := e.acc.SignIn(ctx, facility, doctor, "a password of my own"); err != nil {
		t.Errorf("SignIn: %v", err)
	}
	st, _ := e.store.Account(ctx, facility, doctor)
	if want := "m=65536,t=1,p=2"; !strings.Contains(st.PasswordHash, want) {
		t.Errorf("hash %q, want the default parameters %s", st.PasswordHash, want)
	}
}
