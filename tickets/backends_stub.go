package tickets

import (
	"context"
	"errors"
)

func openSQLite(ctx context.Context, o Options) (Store, error) {
	return nil, errors.New("sqlite backend: not yet built")
}

func openPostgres(ctx context.Context, o Options) (Store, error) {
	return nil, errors.New("postgres backend: not yet built")
}
