package main

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/phr"
	"github.com/arogya-health/arogya/internal/web"
)

// wirePHR makes the phr role: the person's app under /abha/, beside the
// ABHA pages whose login it shares. It reaches the consent manager's
// person API over HTTP only: this node's cm role, reached like any other,
// or the one --cm-url names.
func (n *node) wirePHR(master []byte, opt nodeOptions) error {
	cfg := n.cfg
	if !cfg.has("abha") {
		return fmt.Errorf("--roles phr needs the abha role on the same node: the PHR's pages use the ABHA login")
	}
	public := strings.TrimRight(cfg.PublicURL, "/")
	cmURL := cfg.CMURL
	if cmURL == "" {
		if !cfg.has("cm") {
			return fmt.Errorf("--roles phr without cm needs --cm-url, the consent manager whose person API (/cm/…) the PHR uses")
		}
		cmURL = public
	}
	hc := &http.Client{Timeout: 45 * time.Second} // discovery and linking wait on a facility's answer
	var reg *phr.Registry
	if cfg.RegistryURL != "" {
		reg = phr.NewRegistry(cfg.RegistryURL, hc)
	} else if cfg.has("registry") {
		reg = phr.NewRegistry(public, hc) // this node's registry role, over HTTP
	}
	docs := phr.NewDocuments(n.db, auth.DeriveKey(master, "phr/documents"), opt.Now)
	// The PHR's own HIU, through which the person opens their records
	// (PATRQT consents): its API over HTTP, this node's or --hiu-url's.
	hiuURL := cfg.HIUURL
	if hiuURL == "" && cfg.has("hiu") {
		hiuURL = public
	}
	if hiuURL != "" {
		n.phrHIU = phr.NewHIU(hiuURL, cfg.PHRHIUID, cmp.Or(cfg.PHRHIUToken, n.admin), hc)
	}
	n.phrPages = web.NewPHR(n.abha, phr.New(cmURL, hc), docs, web.PHROptions{Registry: reg, Now: opt.Now, HIU: n.phrHIU})
	return nil
}
