package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/india"
)

type demoLogin struct {
	Number, Address, Password, Name, State string
}

type seedResult struct {
	People       int
	States       int
	Logins       []demoLogin
	FreshAadhaar string
	Registry     *registrySeed // nil without the registry role
	HIP          *hipSeed      // nil without the hip role
	HIU          *demoStaff    // the demo clinician; nil without the hiu role
}

// demoAadhaar returns the i-th synthetic Aadhaar number of a seed: 11 digits
// from a hash (first digit 2–9) plus the Verhoeff check digit.
func demoAadhaar(seed string, i int) string {
	h := sha256.Sum256([]byte(seed + ":" + strconv.Itoa(i)))
	v := binary.BigEndian.Uint64(h[:8])
	body := strconv.Itoa(int(2 + v%8))
	s := fmt.Sprintf("%010d", (v/8)%10_000_000_000)
	body += s
	return body + strconv.Itoa(abha.VerhoeffDigit(body))
}

// DemoPassword is the password of the demo logins.
const DemoPassword = "Arogya@2026"

// seed enrols people synthetic people through the ABHA service, as Aadhaar
// enrolment does, and gives the first three a password and a readable ABHA
// address so that the demo can be explored without an OTP.
func seed(ctx context.Context, n *node, people int, progress io.Writer) (*seedResult, error) {
	res := &seedResult{}
	states := map[string]bool{}
	ctx = arogya.NewContext(ctx, arogya.Actor{Kind: arogya.ActorOperator})
	for i := 0; len(states) < 36 || res.People < people; i++ {
		if i > people*3 {
			break
		}
		a, isNew, err := n.abha.EnrolFromKYC(ctx, demoAadhaar("arogya-demo", i))
		if arogya.ErrorCode(err) == arogya.ECONFLICT {
			continue // a probable duplicate, held for review: also a demo of dedup
		}
		if err != nil {
			return nil, err
		}
		if !isNew {
			continue
		}
		res.People++
		states[a.StateCode] = true
		if len(res.Logins) < 3 {
			handles, err := n.abha.SuggestFor(ctx, a.Number)
			if err != nil {
				return nil, err
			}
			addr := a.Preferred
			if len(handles) > 0 {
				if addr, err = n.abha.AddAddress(ctx, a.Number, handles[0], true); err != nil {
					return nil, err
				}
			}
			pw := DemoPassword
			if _, err := n.abha.UpdateProfile(ctx, a.Number, abha.ProfileUpdate{Password: &pw}); err != nil {
				return nil, err
			}
			st, _ := india.StateByCode(a.StateCode)
			res.Logins = append(res.Logins, demoLogin{Number: abha.FormatNumber(a.Number), Address: addr,
				Password: pw, Name: a.FullName(), State: st.Name})
		}
		if progress != nil && res.People%250 == 0 {
			fmt.Fprintf(progress, "  %d enrolled\n", res.People)
		}
	}
	res.States = len(states)
	res.FreshAadhaar = demoAadhaar("arogya-demo-fresh", 0)
	return res, nil
}
