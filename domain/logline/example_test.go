package logline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tp0/loteria/domain/logline"
)

// fixedTime stamps every record with one time, so the output is stable.
type fixedTime struct{ slog.Handler }

func (h fixedTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Date(2024, 3, 5, 7, 8, 9, 0, time.Local)
	return h.Handler.Handle(ctx, r)
}

func Example() {
	h := logline.New(os.Stdout, slog.LevelInfo)
	log := slog.New(fixedTime{h})

	logline.Success(log, "config", "port", 12345, "idle_timeout", 90*time.Second)
	logline.InProgress(log, "connect", "server_address", "server:12345")
	logline.Debug(log, "apuesta_enviada", "dni", "30904465") // hidden at INFO
	logline.Fail(log, "send_batch", "error", errors.New("write: broken pipe"), "name", "Ana | María\n")
	// Output:
	// 2024-03-05 07:08:09 INFO     action: config | result: success | port: 12345 | idle_timeout: 1m30s
	// 2024-03-05 07:08:09 INFO     action: connect | result: in_progress | server_address: server:12345
	// 2024-03-05 07:08:09 ERROR    action: send_batch | result: fail | error: write: broken pipe | name: "Ana \x7c María\n"
}

func ExampleParse() {
	l, err := logline.Parse(`2024-03-05 07:08:09 ERROR    action: send_batch | result: fail | error: write: broken pipe | name: "Ana \x7c María\n"` + "\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Time.Format(time.DateTime), l.Level, l.Action, l.Result())
	for _, a := range l.Attrs[1:] {
		fmt.Printf("%s=%q\n", a.Key, a.Value)
	}
	_, err = logline.Parse("client1  | 2024-03-05 07:08:09 INFO     action: x")
	fmt.Println(errors.Is(err, logline.ErrSyntax))
	// Output:
	// 2024-03-05 07:08:09 ERROR send_batch fail
	// error="write: broken pipe"
	// name="Ana | María\n"
	// true
}
