package postgres_test

import (
	"testing"

	"github.com/arogya-health/arogya/internal/postgres"
	"github.com/arogya-health/arogya/internal/sqldb"
	"github.com/arogya-health/arogya/internal/storetest"
)

func TestPHRConformance(t *testing.T) {
	storetest.RunPHR(t, func(t *testing.T) *sqldb.DB { return postgres.OpenTest(t) })
}
