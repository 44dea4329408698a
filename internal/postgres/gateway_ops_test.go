package postgres_test

import (
	"testing"

	"github.com/arogya-health/arogya/internal/postgres"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/storetest"
)

func TestGatewayOpsConformance(t *testing.T) {
	storetest.RunGatewayOps(t, func(t *testing.T) *sqldb.DB { return postgres.OpenTest(t) })
}
