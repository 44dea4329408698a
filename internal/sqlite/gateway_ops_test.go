package sqlite_test

import (
	"testing"

	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/sqlite"
	"github.com/arogya-health/arogya/internal/storetest"
)

func TestGatewayOpsConformance(t *testing.T) {
	storetest.RunGatewayOps(t, func(t *testing.T) *sqldb.DB { return sqlite.OpenTest(t) })
}
