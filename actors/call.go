package actors

import "context"

// send hands req to an actor over reqc, giving up when ctx ends or the actor
// stops (done is closed).
func send[Q any](ctx context.Context, reqc chan<- Q, req Q, done <-chan struct{}) error {
	select {
	case reqc <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return ErrStopped
	}
}

// recv waits for the reply to a request sent with send. A reply already
// given wins over the actor having stopped since, and over ctx: with a
// cancelled ctx, recv polls.
func recv[R any](ctx context.Context, reply <-chan R, done <-chan struct{}) (R, error) {
	var zero R
	select { // a reply already given wins, even over a done ctx: a poll
	case rep := <-reply:
		return rep, nil
	default:
	}
	select {
	case rep := <-reply:
		return rep, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-done:
		select {
		case rep := <-reply:
			return rep, nil
		default:
			return zero, ErrStopped
		}
	}
}

// call sends req to an actor and waits for its reply on reply, which req
// carries: the whole of a synchronous request.
func call[Q, R any](ctx context.Context, reqc chan<- Q, req Q, reply <-chan R, done <-chan struct{}) (R, error) {
	if err := send(ctx, reqc, req, done); err != nil {
		var zero R
		return zero, err
	}
	return recv(ctx, reply, done)
}
