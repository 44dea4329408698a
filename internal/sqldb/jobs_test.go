package sqldb

import (
	"testing"

	"github.com/arogya-health/arogya/internal/hip"
	"github.com/arogya-health/arogya/internal/hiu"
)

// TestJobStatuses: the shared job SQL writes and compares the statuses as
// jobs.go spells them, so each role's constants must be spelt alike.
func TestJobStatuses(t *testing.T) {
	for _, c := range []struct{ name, role, shared string }{
		{"hip.JobPending", hip.JobPending, jobPending},
		{"hip.JobDone", hip.JobDone, jobDone},
		{"hip.JobDead", hip.JobDead, jobDead},
		{"hiu.JobPending", hiu.JobPending, jobPending},
		{"hiu.JobDone", hiu.JobDone, jobDone},
		{"hiu.JobDead", hiu.JobDead, jobDead},
	} {
		if c.role != c.shared {
			t.Errorf("%s = %q, the job SQL uses %q", c.name, c.role, c.shared)
		}
	}
}

// TestJobTableSQL pins the statements of both roles' tables: the table's
// name is the only thing the roles' SQL differs by, but for the HIP's
// claim of transfers apart and the jobs each role's purge forgets.
func TestJobTableSQL(t *testing.T) {
	hipClaim := hipJobs.claimPick + " AND kind = $4" + hipJobs.claimRest
	hiuClaim := hiuJobs.claimPick + "" + hiuJobs.claimRest
	for _, c := range []struct{ name, got, want string }{
		{"hip insert", hipJobs.insertSQL, "INSERT INTO hip_jobs (id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at)" +
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"},
		{"hip claim", hipClaim, "UPDATE hip_jobs SET lease_until = $1 WHERE id IN (SELECT id FROM hip_jobs WHERE status = 'PENDING'" +
			" AND next_at <= $2 AND lease_until <= $2 AND kind = $4 ORDER BY next_at LIMIT $3) AND status = 'PENDING' AND lease_until <= $2" +
			" RETURNING id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at"},
		{"hiu claim", hiuClaim, "UPDATE hiu_jobs SET lease_until = $1 WHERE id IN (SELECT id FROM hiu_jobs WHERE status = 'PENDING'" +
			" AND next_at <= $2 AND lease_until <= $2 ORDER BY next_at LIMIT $3) AND status = 'PENDING' AND lease_until <= $2" +
			" RETURNING id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at"},
		{"hiu get", hiuJobs.getSQL, "SELECT id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at FROM hiu_jobs WHERE id = $1"},
		{"hip retry", hipJobs.retrySQL, "UPDATE hip_jobs SET status = $1, attempts = $2, next_at = $3, lease_until = 0, last_error = $4 WHERE id = $5"},
		{"hiu finish", hiuJobs.finishSQL, "UPDATE hiu_jobs SET status = $1, lease_until = 0, done_at = $2 WHERE id = $3"},
		{"hip purge", hipJobs.purgeSQL, "DELETE FROM hip_jobs WHERE status = 'DONE' AND done_at < $1"},
		{"hiu purge", hiuJobs.purgeSQL, "DELETE FROM hiu_jobs WHERE status <> 'PENDING' AND created_at < $1"},
		{"hiu bridge", hiuBridge.getSQL, "SELECT id, client_id, secret, gateway_url, created_at FROM hiu_bridge ORDER BY created_at DESC LIMIT 1"},
		{"hip bridge delete", hipBridge.deleteSQL, "DELETE FROM hip_bridge"},
		{"hip bridge insert", hipBridge.insertSQL, "INSERT INTO hip_bridge (id, client_id, secret, gateway_url, created_at) VALUES ($1, $2, $3, $4, $5)"},
	} {
		if c.got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
}
