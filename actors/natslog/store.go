package natslog

import (
	"context"
	"fmt"

	"github.com/tp0/loteria/actors"
)

// OpenStore opens the store of the deployment's lottery in JetStream (see
// Open), creating it for sc's lottery if there is none yet, and recovers
// it as actors.NewStore does: every bet and done in the stream, checked
// again. It returns the log too, for Watch.
func OpenStore(ctx context.Context, cfg Config, sc actors.StoreConfig) (*actors.Store, *Log, error) {
	if sc.Agencies < 0 {
		return nil, nil, fmt.Errorf("agencies must be at least 0, got %d", sc.Agencies)
	}
	fresh, err := actors.NewLottery(sc)
	if err != nil {
		return nil, nil, err
	}
	log, err := Open(ctx, cfg, fresh)
	if err != nil {
		return nil, nil, err
	}
	st, err := actors.NewStore(log, sc)
	if err != nil {
		log.Close()
		return nil, nil, fmt.Errorf("stream %s: %w", log.Stream(), err)
	}
	return st, log, nil
}
