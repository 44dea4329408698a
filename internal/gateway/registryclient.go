package gateway

import "github.com/arogya-health/arogya/internal/registryapi"

// RegistryClient asks a registry's public API whether a facility is
// verified (GET {BaseURL}/api/v1/facilities/{id}): the registry is another
// role, so the gateway talks to it over HTTP like any other party.
type RegistryClient = registryapi.Client
