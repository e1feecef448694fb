package logline

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// The results an action may have, as the course's tests know them.
const (
	ResultSuccess    = "success"
	ResultInProgress = "in_progress"
	ResultFail       = "fail"
)

// Success logs action at INFO with result: success and the key/value args.
func Success(l *slog.Logger, action string, args ...any) {
	logAction(l, slog.LevelInfo, action, ResultSuccess, args)
}

// InProgress logs action at INFO with result: in_progress and the args.
func InProgress(l *slog.Logger, action string, args ...any) {
	logAction(l, slog.LevelInfo, action, ResultInProgress, args)
}

// Fail logs action at ERROR with result: fail and the args.
func Fail(l *slog.Logger, action string, args ...any) {
	logAction(l, slog.LevelError, action, ResultFail, args)
}

// Debug logs action at DEBUG with result: success and the args, as for the
// per-bet lines. It returns at once when DEBUG is disabled.
func Debug(l *slog.Logger, action string, args ...any) {
	logAction(l, slog.LevelDebug, action, ResultSuccess, args)
}

// Log logs action at level with result and the args, for the lines the
// other helpers do not cover: a retry at WARNING, a level chosen at run
// time. It returns at once when level is disabled.
func Log(l *slog.Logger, level slog.Level, action, result string, args ...any) {
	logAction(l, level, action, result, args)
}

func logAction(l *slog.Logger, level slog.Level, action, result string, args []any) {
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	all := make([]any, 0, len(args)+1)
	all = append(all, slog.String(resultKey, result))
	l.Log(ctx, level, action, append(all, args...)...)
}

// ParseLevel parses a level name as the configuration gives it: DEBUG, INFO,
// WARN or WARNING, ERROR, in any case.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToUpper(s) {
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q, want DEBUG, INFO, WARNING or ERROR", s)
}
