package main

import (
	"database/sql"

	_ "modernc.org/sqlite"
)

// tkTamper changes the SQLite store directly, as an attacker with the file
// would.
func tkTamper(dbPath, stmt string) error {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
