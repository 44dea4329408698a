package arogya

import "context"

// ActorKind says who is acting.
type ActorKind string

const (
	ActorAnonymous ActorKind = "anonymous"
	ActorCitizen   ActorKind = "citizen"  // an ABHA holder, identified by ABHA number
	ActorOperator  ActorKind = "operator" // the node operator (admin token)
	ActorClient    ActorKind = "client"   // an integrating system (gateway client id)
	ActorStaff     ActorKind = "staff"    // facility staff / professional
	ActorVerifier  ActorKind = "verifier" // a state's registry verifier, identified by verifier ID
)

// Actor is on whose behalf a request runs. ID is opaque to logs: for a citizen
// it is the ABHA number, which is personal data and must be masked when logged.
type Actor struct {
	Kind ActorKind
	ID   string
}

type actorKey struct{}

// NewContext returns a context carrying the actor.
func NewContext(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or an anonymous actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorAnonymous}
}
